/**
 * The names of CIM's JetStream buckets, in core because provisioning (nats), the components that
 * use them and the deployment that isolates a leaf's copies (deploy, cluster) all name them.
 * The event stream's name is beside its subjects (subjects.ts).
 */

/** Object store bucket holding content, object name = content CID. */
export const CONTENT_BUCKET = 'cim-content';

/** KV bucket holding projection checkpoints and recorded projection failures. */
export const PROJECTIONS_BUCKET = 'cim-projections';

/** KV bucket where running components and plugin services register and heartbeat. */
export const REGISTRY_BUCKET = 'cim-registry';

/** KV bucket of pipeline step results, by step key. */
export const STEP_RESULTS_BUCKET = 'cim-step-results';

/** KV bucket of units pipelines gave up on, `<pipeline>.<unitCid>`. */
export const DEAD_LETTERS_BUCKET = 'cim-dead-letters';

/** KV bucket of when each content was last read by a user, `<contentCid>` → ISO time. */
export const CONTENT_READS_BUCKET = 'cim-content-reads';

/** KV bucket of users, `<username>` → role and scrypt password hash (never in an event). */
export const AUTH_USERS_BUCKET = 'cim-auth-users';

/** KV bucket of API tokens, `<sha-256 of the token>` → its name, role and expiry. */
export const AUTH_TOKENS_BUCKET = 'cim-auth-tokens';

/** KV bucket of web sessions, `<sha-256 of the session id>` → user, expiry and CSRF token hash. */
export const AUTH_SESSIONS_BUCKET = 'cim-auth-sessions';
