import type { JetStreamManager } from '@nats-io/jetstream';
import { jetstreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { bucketKeys } from '../nats/bucket-keys.js';
import { DEAD_LETTERS_BUCKET } from '../core/buckets.js';

/** A unit a pipeline gave up on, with why. */
export interface DeadLetter {
  readonly pipeline: string;
  readonly unitCid: string;
  /** Stream position of the unit's `UnitIngested` event, to run it again. */
  readonly position: number;
  readonly step: string;
  readonly error: string;
  readonly attempts: number;
  readonly at: string;
}

/** The dead-letter list in the bucket `cim-dead-letters`, key `<pipeline>.<unitCid>`. */
export class DeadLetters {
  private constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
  ) {}

  static async open(nc: NatsConnection): Promise<DeadLetters> {
    return new DeadLetters(await new Kvm(nc).open(DEAD_LETTERS_BUCKET), await jetstreamManager(nc));
  }

  async put(letter: DeadLetter): Promise<void> {
    await this.kv.put(`${letter.pipeline}.${letter.unitCid}`, JSON.stringify(letter));
  }

  async remove(pipeline: string, unitCid: string): Promise<void> {
    await this.kv.delete(`${pipeline}.${unitCid}`);
  }

  /** Every dead letter of a pipeline, oldest position first. */
  async list(pipeline: string): Promise<DeadLetter[]> {
    const out: DeadLetter[] = [];
    for (const key of await bucketKeys(this.jsm, DEAD_LETTERS_BUCKET, `${pipeline}.>`)) {
      const entry = await this.kv.get(key);
      if (entry && entry.operation === 'PUT') out.push(entry.json<DeadLetter>());
    }
    return out.sort((a, b) => a.position - b.position);
  }
}
