import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm, KvWatchInclude } from '@nats-io/kv';
import type { KV, KvEntry } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/nats-core';
import { z } from 'zod';
import { ROLES } from '../core/access.js';
import { AUTH_SESSIONS_BUCKET, AUTH_TOKENS_BUCKET, AUTH_USERS_BUCKET } from '../core/buckets.js';

const userRecordSchema = z.object({
  username: z.string(),
  role: z.enum(ROLES),
  passwordHash: z.string(),
  createdAt: z.string(),
});
/** A user as stored in `cim-auth-users` under its username. */
export type UserRecord = z.infer<typeof userRecordSchema>;

const tokenRecordSchema = z.object({
  name: z.string(),
  role: z.enum(ROLES),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  createdBy: z.string(),
  /** A token made by a user's sign-in (`cim login`) acts as that user, with its current role. */
  user: z.string().nullable().default(null),
});
/** A token as stored in `cim-auth-tokens` under the SHA-256 of the token. */
export type TokenRecord = z.infer<typeof tokenRecordSchema>;

const sessionRecordSchema = z.object({
  /** What lists and revocation name the session by: not the secret session id. */
  id: z.string(),
  username: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  address: z.string().nullable(),
  /** SHA-256 of the session's CSRF token, which cookie-authenticated writes must send. */
  csrfHash: z.string(),
});
/** A web session as stored in `cim-auth-sessions` under the SHA-256 of its session id. */
export type SessionRecord = z.infer<typeof sessionRecordSchema>;

/**
 * One bucket's entries kept in memory and followed by a KV watch, so a check is a map lookup and
 * a change made by any process (a revoked token) reaches this one as soon as the server sends it.
 */
class WatchedBucket<T> {
  private readonly entries = new Map<string, { revision: number; value: T }>();
  private watcher: QueuedIterator<KvEntry> | undefined;

  constructor(
    readonly kv: KV,
    private readonly schema: z.ZodType<T>,
  ) {}

  async start(): Promise<void> {
    // Watch first, then read what is there: an update during the read is kept by its revision.
    this.watcher = await this.kv.watch({ include: KvWatchInclude.UpdatesOnly });
    void (async () => {
      for await (const entry of this.watcher!) this.apply(entry);
    })();
    for await (const key of await this.kv.keys()) {
      const entry = await this.kv.get(key);
      if (entry) this.apply(entry);
    }
  }

  private apply(entry: KvEntry): void {
    const known = this.entries.get(entry.key);
    if (known && known.revision > entry.revision) return;
    if (entry.operation !== 'PUT') {
      this.entries.delete(entry.key);
      return;
    }
    let parsed: unknown;
    try {
      parsed = entry.json();
    } catch {
      return;
    }
    const result = this.schema.safeParse(parsed);
    if (result.success)
      this.entries.set(entry.key, { revision: entry.revision, value: result.data });
  }

  get(key: string): T | undefined {
    return this.entries.get(key)?.value;
  }

  values(): [string, T][] {
    return [...this.entries].map(([key, e]) => [key, e.value]);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Writes and applies at once, so this process sees its own change before the watch echoes it. */
  async put(key: string, value: T): Promise<void> {
    const revision = await this.kv.put(key, JSON.stringify(value));
    this.entries.set(key, { revision, value });
  }

  /** Writes `value` only if `key` is absent; false when another writer had it first. */
  async create(key: string, value: T): Promise<boolean> {
    try {
      const revision = await this.kv.create(key, JSON.stringify(value));
      this.entries.set(key, { revision, value });
      return true;
    } catch (err) {
      if ((await this.kv.get(key))?.operation === 'PUT') return false;
      throw err;
    }
  }

  async remove(key: string): Promise<void> {
    await this.kv.purge(key);
    this.entries.delete(key);
  }

  stop(): void {
    this.watcher?.stop();
  }
}

/**
 * Users and API tokens as every process reads them: the KV buckets `cim-auth-users` and
 * `cim-auth-tokens`, held in memory and watched. Only hashes are stored: scrypt for passwords,
 * SHA-256 for tokens (32 random bytes: nothing to guess).
 */
export class AuthDirectory {
  private constructor(
    private readonly users: WatchedBucket<UserRecord>,
    private readonly tokens: WatchedBucket<TokenRecord>,
    private readonly sessions: WatchedBucket<SessionRecord>,
  ) {}

  /** Opens both buckets (made by provisioning) and reads them before answering. */
  static async open(nc: NatsConnection): Promise<AuthDirectory> {
    const kvm = new Kvm(nc);
    const users = new WatchedBucket(await kvm.open(AUTH_USERS_BUCKET), userRecordSchema);
    const tokens = new WatchedBucket(await kvm.open(AUTH_TOKENS_BUCKET), tokenRecordSchema);
    const sessions = new WatchedBucket(await kvm.open(AUTH_SESSIONS_BUCKET), sessionRecordSchema);
    const started: WatchedBucket<unknown>[] = [];
    try {
      for (const bucket of [users, tokens, sessions] as WatchedBucket<unknown>[]) {
        await bucket.start();
        started.push(bucket);
      }
    } catch (err) {
      for (const bucket of started) bucket.stop();
      throw err;
    }
    return new AuthDirectory(users, tokens, sessions);
  }

  /** The session stored under `hash`, whatever its expiry. */
  sessionByHash(hash: string): SessionRecord | undefined {
    return this.sessions.get(hash);
  }

  listSessions(): SessionRecord[] {
    return this.sessions
      .values()
      .map(([, s]) => s)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  putSession(hash: string, record: SessionRecord): Promise<boolean> {
    return this.sessions.create(hash, record);
  }

  /** Removes the session listed as `id`; the record removed, or undefined when there is none. */
  async removeSession(id: string): Promise<SessionRecord | undefined> {
    const found = this.sessions.values().find(([, s]) => s.id === id);
    if (!found) return undefined;
    await this.sessions.remove(found[0]);
    return found[1];
  }

  /** True once any user exists: from then on every caller must sign in. */
  hasUsers(): boolean {
    return this.users.size > 0;
  }

  user(username: string): UserRecord | undefined {
    return this.users.get(username);
  }

  listUsers(): UserRecord[] {
    return this.users
      .values()
      .map(([, u]) => u)
      .sort((a, b) => a.username.localeCompare(b.username));
  }

  /** Stores a new user; false when the username is taken. */
  createUser(record: UserRecord): Promise<boolean> {
    return this.users.create(record.username, record);
  }

  updateUser(record: UserRecord): Promise<void> {
    return this.users.put(record.username, record);
  }

  /** The token stored under `hash`, whatever its expiry. */
  tokenByHash(hash: string): TokenRecord | undefined {
    return this.tokens.get(hash);
  }

  listTokens(): TokenRecord[] {
    return this.tokens
      .values()
      .map(([, t]) => t)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The hash a token named `name` is stored under, if one is. */
  private hashOfName(name: string): string | undefined {
    return this.tokens.values().find(([, t]) => t.name === name)?.[0];
  }

  hasToken(name: string): boolean {
    return this.hashOfName(name) !== undefined;
  }

  putToken(hash: string, record: TokenRecord): Promise<boolean> {
    return this.tokens.create(hash, record);
  }

  /** Removes the token named `name`; false when there is none. */
  async removeToken(name: string): Promise<boolean> {
    const hash = this.hashOfName(name);
    if (hash === undefined) return false;
    await this.tokens.remove(hash);
    return true;
  }

  close(): void {
    this.users.stop();
    this.tokens.stop();
    this.sessions.stop();
  }
}
