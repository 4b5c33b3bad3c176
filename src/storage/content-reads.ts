import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import { toCimError } from '../core/errors.js';
import { CONTENT_READS_BUCKET } from '../core/buckets.js';
import type { StorageManager } from './storage-manager.js';

/** A read is written down at most this often per content: last-read rules count in days. */
const RESOLUTION_MS = 60 * 60 * 1000;
/** Contents whose last write is remembered here, to skip rewriting within the resolution. */
const REMEMBERED = 50_000;

/**
 * What users read: each content's last read (KV bucket `cim-content-reads`, kept at one-hour
 * resolution so reading does not write on every request), for the `notReadForDays` condition of
 * lifecycle policies; and rehydration, which copies content read from a lower tier back into hot
 * (keeping the lower copy) when a policy asks for it. Reads by pipelines and the catalog are not
 * users' reads and are not counted.
 */
export class ContentReads {
  private readonly written = new Map<string, number>();
  private readonly rehydrating = new Set<string>();

  private constructor(
    private readonly kv: KV,
    private readonly storage: StorageManager,
    private readonly wantsRehydration: () => string | undefined,
    private readonly logger: Logger,
  ) {}

  /**
   * Opens the read log. `wantsRehydration` names the policy asking for rehydration, if any
   * applied policy does.
   */
  static async open(
    nc: NatsConnection,
    storage: StorageManager,
    wantsRehydration: () => string | undefined,
    logger: Logger,
  ): Promise<ContentReads> {
    const kv = await new Kvm(nc).open(CONTENT_READS_BUCKET);
    return new ContentReads(kv, storage, wantsRehydration, logger);
  }

  /** When `cid` was last read by a user (ms since the epoch), or undefined if never. */
  async lastRead(cid: string): Promise<number | undefined> {
    const entry = await this.kv.get(cid);
    if (!entry || entry.operation !== 'PUT') return undefined;
    const at = Date.parse(entry.string());
    return Number.isNaN(at) ? undefined : at;
  }

  /**
   * Notes that a user read `cid` from tier `tier`. Never delays or fails the read: the log write
   * and a rehydration run in the background and only log their faults.
   */
  served(cid: string, tier: string, now = Date.now()): void {
    const last = this.written.get(cid);
    if (last === undefined || now - last >= RESOLUTION_MS) {
      this.written.delete(cid);
      this.written.set(cid, now);
      for (const old of this.written.keys()) {
        if (this.written.size <= REMEMBERED) break;
        this.written.delete(old);
      }
      this.kv.put(cid, new Date(now).toISOString()).catch((err: unknown) => {
        this.written.delete(cid);
        this.logger.warn({ cid, err: toCimError(err).message }, 'a read could not be logged');
      });
    }
    const policy = tier === 'hot' ? undefined : this.wantsRehydration();
    if (policy === undefined || this.rehydrating.has(cid)) return;
    this.rehydrating.add(cid);
    this.storage
      .move(cid, 'hot', { keep: true, policy })
      .catch((err: unknown) =>
        this.logger.warn({ cid, err: toCimError(err).message }, 'rehydration into hot failed'),
      )
      .finally(() => this.rehydrating.delete(cid));
  }

  /** Resolves when the rehydrations under way have ended. */
  async settled(): Promise<void> {
    while (this.rehydrating.size > 0) await new Promise((r) => setTimeout(r, 20));
  }
}
