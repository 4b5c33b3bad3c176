import { z } from 'zod';
import { InvalidConfigError } from './errors.js';
import { describeIssue, firstIssue } from './zod-issue.js';
import { DEFAULT_SYNC_POLICY, syncPolicySchema } from './sync-policy.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const TIER_NAME = /^[a-z][a-z0-9-]{0,39}$/;

/**
 * An S3-compatible tier. Its keys are read from files (`accessKeyIdFile`, `secretAccessKeyFile`;
 * relative paths are resolved in `$CREDENTIALS_DIRECTORY` when systemd sets it) or from the
 * environment variables named by `accessKeyIdEnv`/`secretAccessKeyEnv` (by default
 * `CIM_TIER_<NAME>_ACCESS_KEY_ID` and `CIM_TIER_<NAME>_SECRET_ACCESS_KEY`), never from this file.
 */
export const s3TierSchema = z
  .object({
    kind: z.literal('s3'),
    endpoint: z.url({ protocol: /^https?$/ }),
    bucket: z.string().min(3).max(63),
    prefix: z
      .string()
      .max(512)
      .refine((p) => p === '' || p.endsWith('/'), 'the prefix is empty or ends with "/"')
      .default(''),
    region: z.string().min(1).default('us-east-1'),
    /** `endpoint/bucket/key` (MinIO, most self-hosted servers); false for `bucket.endpoint/key`. */
    forcePathStyle: z.boolean().default(true),
    accessKeyIdFile: z.string().min(1).optional(),
    secretAccessKeyFile: z.string().min(1).optional(),
    accessKeyIdEnv: z.string().min(1).optional(),
    secretAccessKeyEnv: z.string().min(1).optional(),
  })
  .strict();

/** A tier in a local folder: the embedded default and air-gapped archives. */
export const folderTierSchema = z
  .object({ kind: z.literal('folder'), path: z.string().min(1) })
  .strict();

/** One configured tier below hot. */
export type TierConfig = z.infer<typeof s3TierSchema> | z.infer<typeof folderTierSchema>;

/** The configuration schema. Every field has a default, so an empty file is a valid config. */
export const configSchema = z
  .object({
    dataDir: z.string().min(1),
    http: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        /** Largest JSON request body, in bytes. Unset: four times `events.maxEventBytes`. */
        bodyLimitBytes: z.number().int().min(1024).optional(),
        /** Most files in one multipart upload; the files past it are reported as refused. */
        maxUploadFiles: z.number().int().min(1).max(100_000).default(1000),
        /**
         * Longest a whole request may take to arrive, uploads included (0: no limit). Generous,
         * so a large upload on a slow link still fits; `idleTimeoutSeconds` catches a stalled one.
         */
        requestTimeoutSeconds: z.number().int().min(0).max(86_400).default(3600),
        /**
         * A connection that sends and receives nothing this long is closed (0: never). Long enough
         * for the slowest answer computed before its first byte (`events.verify` of a big stream).
         */
        idleTimeoutSeconds: z.number().int().min(0).max(86_400).default(600),
        /**
         * Serve HTTPS with this PEM certificate (chain) and key; relative paths are resolved in
         * `$CREDENTIALS_DIRECTORY` when systemd sets it. Absent: plain HTTP.
         */
        tls: z
          .object({ cert: z.string().min(1), key: z.string().min(1) })
          .strict()
          .optional(),
      })
      .strict()
      .prefault({}),
    nats: z
      .object({
        /** Use this server instead of starting one. */
        url: z.string().min(1).optional(),
        /** Port of the managed server; 0 picks a free one. */
        port: z.number().int().min(0).max(65535).default(0),
        /**
         * Executable of the managed server (refused when older than 2.10.23). Unset: the first
         * recent enough of `nats-server` on PATH and the project's `.tools/` copy.
         */
        serverBin: z.string().min(1).optional(),
        /**
         * Replicas of CIM's streams and buckets. Unset: 3 when the server says it is part of a
         * cluster, else 1. Existing streams and buckets are scaled to it at start.
         */
        replicas: z.number().int().min(1).max(5).optional(),
        /**
         * JetStream's `sync_interval` for servers CIM starts or renders: `always` flushes every
         * write to disk before it is acknowledged; a duration (`2m`, nats-server's default) flushes
         * on a timer and acknowledges at once, so a power cut loses what was acknowledged since.
         */
        sync: syncPolicySchema.default(DEFAULT_SYNC_POLICY),
        /**
         * This process's NATS user: the path of its `.creds` file (a relative path is resolved in
         * `$CREDENTIALS_DIRECTORY` when systemd sets it). Unset: none, or, when the managed server
         * uses `nats.auth`, the `node` user's file there.
         */
        credentials: z.string().min(1).optional(),
        /** TLS of this process's NATS connections: the CA to trust and, for mutual TLS, a client pair. */
        tls: z
          .object({
            ca: z.string().min(1).optional(),
            cert: z.string().min(1).optional(),
            key: z.string().min(1).optional(),
          })
          .strict()
          .refine((t) => (t.cert === undefined) === (t.key === undefined), {
            message: 'cert and key go together',
          })
          .optional(),
        /**
         * The folder `cim nats init` writes (operator, accounts, users' `.creds`). The managed
         * server loads its `resolver.conf` when it is there. Unset: `<dataDir>/nats-auth`.
         */
        auth: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    events: z
      .object({
        /** Largest encoded event accepted; kept under NATS's default 1 MiB payload limit. */
        maxEventBytes: z
          .number()
          .int()
          .min(1024)
          .max(64 * 1024 * 1024)
          .default(1_000_000),
        /** JetStream duplicate window; retries older than this are caught by the version check. */
        duplicateWindowSeconds: z.number().int().min(1).max(86_400).default(120),
      })
      .strict()
      .prefault({}),
    units: z
      .object({
        /** Largest content accepted by ingest, in bytes. */
        maxContentBytes: z
          .number()
          .int()
          .min(1)
          .default(16 * 1024 ** 3),
      })
      .strict()
      .prefault({}),
    registry: z
      .object({
        /** How often each component rewrites its registry record. */
        heartbeatSeconds: z.number().min(0.1).max(3600).default(5),
        /** How long after its last heartbeat a component counts as gone. */
        ttlSeconds: z.number().min(0.5).max(86_400).default(15),
      })
      .strict()
      .refine((r) => r.ttlSeconds > r.heartbeatSeconds, {
        message: 'ttlSeconds must be longer than heartbeatSeconds (three heartbeats is usual)',
        path: ['ttlSeconds'],
      })
      .prefault({}),
    pipeline: z
      .object({
        /**
         * The built-in pipeline a new node (one that never had a pipeline) applies when its
         * pipeline component first starts, so uploads are searchable with no further step;
         * `none` starts without one.
         */
        firstRun: z.enum(['documents', 'none']).default('documents'),
        /** A unit not acknowledged this long after delivery is delivered again (crash recovery). */
        ackWaitSeconds: z.number().min(1).max(3600).default(60),
        /** A processor run longer than this is stopped and counts as a failure. */
        processorTimeoutSeconds: z.number().min(0.1).max(3600).default(30),
        /**
         * Worker threads for in-process processors; 0 runs them on the main thread. Unset: one
         * per core beyond the first, at most four.
         */
        workers: z.number().int().min(0).max(64).optional(),
        /**
         * Content up to this size is processed on the main thread: handing it to a worker costs
         * more than processing it. Larger content goes to the workers.
         */
        inlineMaxBytes: z
          .number()
          .int()
          .min(0)
          .default(64 * 1024),
      })
      .strict()
      .refine((p) => p.processorTimeoutSeconds < p.ackWaitSeconds, {
        message: 'processorTimeoutSeconds must be shorter than ackWaitSeconds',
        path: ['processorTimeoutSeconds'],
      })
      .prefault({}),
    storage: z
      .object({
        /**
         * Tiers below the hot tier (the JetStream object store), by name, in the order reads
         * fall back to them. Credentials are never written here: see {@link s3TierSchema}.
         */
        tiers: z
          .record(
            z
              .string()
              .regex(TIER_NAME, 'a tier name is lowercase letters, digits and dashes')
              .refine((name) => name !== 'hot', 'hot is the JetStream object store, always there'),
            z.discriminatedUnion('kind', [s3TierSchema, folderTierSchema]),
          )
          .default({}),
        /** How often every lifecycle policy runs again (each also runs when the node starts). */
        policyIntervalSeconds: z
          .number()
          .min(1)
          .max(7 * 86_400)
          .default(3600),
        /**
         * Seal events older than `olderThanDays` into the event archive in tier `to` (and with
         * `purge`, remove them from the stream) when the node starts and every
         * `policyIntervalSeconds`. Absent: only `cim events archive` archives.
         */
        eventArchive: z
          .object({
            to: z.string().regex(TIER_NAME, 'a tier name is lowercase letters, digits and dashes'),
            olderThanDays: z.number().min(0).max(36_500),
            purge: z.boolean().default(false),
          })
          .strict()
          .optional(),
        /**
         * Scrubbing: every `intervalSeconds` (0: never on a schedule) every copy of every tier
         * and the event stream are re-hashed; after an unclean stop, the start reconciles what
         * the history says is stored against the tiers. Faults are repaired from another copy.
         */
        scrub: z
          .object({
            intervalSeconds: z
              .number()
              .int()
              .min(0)
              .max(365 * 86_400)
              .default(7 * 86_400),
            afterUncleanStart: z.boolean().default(true),
          })
          .strict()
          .prefault({}),
        /** Copy new content to tier `to` as soon as it is stored, before it is acknowledged. */
        safetyCopy: z
          .object({
            to: z.string().regex(TIER_NAME, 'a tier name is lowercase letters, digits and dashes'),
          })
          .strict()
          .optional(),
      })
      .strict()
      .refine((s) => s.eventArchive === undefined || s.eventArchive.to in s.tiers, {
        message: 'the event archive goes to a tier configured in storage.tiers',
        path: ['eventArchive', 'to'],
      })
      .refine((s) => s.safetyCopy === undefined || s.safetyCopy.to in s.tiers, {
        message: 'the safety copy goes to a tier configured in storage.tiers',
        path: ['safetyCopy', 'to'],
      })
      .prefault({}),
    /**
     * Back the node up into tier `to` every `schedule` (`30m`, `6h`, `1d`), incrementally unless
     * `incremental` is false. Absent: only `cim backup` backs up.
     */
    backup: z
      .object({
        to: z.string().regex(TIER_NAME, 'a tier name is lowercase letters, digits and dashes'),
        schedule: z
          .string()
          .regex(/^[1-9][0-9]*(m|h|d)$/, 'a schedule is a whole number of m, h or d, such as 1d'),
        incremental: z.boolean().default(true),
      })
      .strict()
      .optional(),
    /** Who may call the node: see docs/security.md, "Authentication and authorization". */
    auth: z
      .object({
        /**
         * `auto`: while no user exists, a node whose HTTP listens on loopback runs without
         * sign-in (every caller is `local`, said at start); `required`: never.
         */
        signIn: z.enum(['auto', 'required']).default('auto'),
        /**
         * A file holding `username:password` on one line: the first admin, created at start when
         * no user exists (relative paths are resolved in `$CREDENTIALS_DIRECTORY` when systemd
         * sets it). The password never appears here.
         */
        adminCredentialsFile: z.string().min(1).optional(),
        /** Failed sign-ins in a row before an account is locked (an address gets five times as many). */
        maxFailedSignIns: z.number().int().min(1).max(1000).default(10),
        /** How long a locked account or address stays locked. */
        lockSeconds: z.number().min(0.1).max(86_400).default(60),
      })
      .strict()
      .prefault({}),
    /** Plugins to load: paths (relative to the working directory) or npm package names. */
    plugins: z.array(z.string().min(1).max(4096)).max(200).default([]),
    log: z
      .object({
        level: z.enum(LOG_LEVELS).default('info'),
        /** Log lines as JSON or readable (pino-pretty); unset: readable on a terminal only. */
        format: z.enum(['json', 'pretty']).optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** The validated configuration every component receives. */
export type Config = z.infer<typeof configSchema>;

/** A backup schedule (`30m`, `6h`, `1d`) in milliseconds. */
export function scheduleMs(schedule: string): number {
  const unit = schedule.at(-1);
  const n = Number(schedule.slice(0, -1));
  return n * (unit === 'd' ? 86_400_000 : unit === 'h' ? 3_600_000 : 60_000);
}

/** A partial configuration as one layer (file, environment, flags) supplies it. */
export type ConfigLayer = Record<string, unknown>;

/** The layers, lowest precedence first: defaults ← config file ← environment ← flags. */
export interface ConfigSources {
  readonly defaults: ConfigLayer;
  readonly file?: { readonly name: string; readonly values: unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly flags: ConfigLayer;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep-merges `over` onto `base`; arrays and scalars replace, undefined leaves the base. */
export function mergeLayers(base: ConfigLayer, over: ConfigLayer): ConfigLayer {
  const out: ConfigLayer = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const prior = out[key];
    out[key] = isPlainObject(prior) && isPlainObject(value) ? mergeLayers(prior, value) : value;
  }
  return out;
}

/** Parses `HOST:PORT` (IPv6 hosts in brackets). Throws InvalidConfigError naming `source`. */
export function parseHostPort(text: string, source: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) {
    throw new InvalidConfigError(
      `${source} ${JSON.stringify(text)} is not HOST:PORT: write it like 127.0.0.1:8080.`,
    );
  }
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

/** The environment variables CIM reads, mapped to a config layer. */
export function envLayer(env: Readonly<Record<string, string | undefined>>): ConfigLayer {
  const layer: ConfigLayer = {};
  if (env['CIM_DATA']) layer['dataDir'] = env['CIM_DATA'];
  if (env['CIM_HTTP']) layer['http'] = parseHostPort(env['CIM_HTTP'], 'CIM_HTTP');
  const nats: ConfigLayer = {};
  if (env['NATS_URL']) nats['url'] = env['NATS_URL'];
  if (env['CIM_NATS_SERVER']) nats['serverBin'] = env['CIM_NATS_SERVER'];
  if (env['CIM_NATS_CREDENTIALS']) nats['credentials'] = env['CIM_NATS_CREDENTIALS'];
  if (Object.keys(nats).length > 0) layer['nats'] = nats;
  if (env['CIM_PIPELINE_FIRST_RUN'])
    layer['pipeline'] = { firstRun: env['CIM_PIPELINE_FIRST_RUN'] };
  const log: ConfigLayer = {};
  if (env['CIM_LOG_LEVEL']) log['level'] = env['CIM_LOG_LEVEL'];
  if (env['CIM_LOG_FORMAT']) log['format'] = env['CIM_LOG_FORMAT'];
  if (Object.keys(log).length > 0) layer['log'] = log;
  return layer;
}

/**
 * Merges and validates the layers once, at start. Throws InvalidConfigError with one sentence
 * naming the source and the first bad field.
 */
export function resolveConfig(sources: ConfigSources): Config {
  let merged = sources.defaults;
  if (sources.file !== undefined) {
    if (!isPlainObject(sources.file.values)) {
      throw new InvalidConfigError(
        `Config file ${sources.file.name} must hold a JSON object: fix it or remove it.`,
      );
    }
    const fromFile = configSchema.partial().safeParse(sources.file.values);
    if (!fromFile.success) {
      const issue = describeIssue(firstIssue(fromFile.error), { advise: true });
      throw new InvalidConfigError(`Config file ${sources.file.name}: ${issue}.`);
    }
    merged = mergeLayers(merged, sources.file.values);
  }
  merged = mergeLayers(merged, envLayer(sources.env));
  merged = mergeLayers(merged, sources.flags);
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const issue = describeIssue(firstIssue(result.error), { advise: true });
    throw new InvalidConfigError(`Configuration: ${issue}.`);
  }
  const backup = result.data.backup;
  if (backup !== undefined && !(backup.to in result.data.storage.tiers)) {
    throw new InvalidConfigError(
      `Configuration: backup.to: backups go to a tier configured in storage.tiers, and ${JSON.stringify(backup.to)} is not one.`,
    );
  }
  return result.data;
}
