import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { AckPublisher } from '../nats/fast-path/index.js';
import { DirectReader } from '../nats/fast-path/index.js';
import { STEP_RESULTS_BUCKET } from '../core/buckets.js';
import type { StepResult } from '../core/catalogue/runs.js';

const STREAM = `KV_${STEP_RESULTS_BUCKET}`;
const subjectOf = (stepKey: string) => `$KV.${STEP_RESULTS_BUCKET}.${stepKey}`;

/** Where step results are kept by step key: what a run reads and writes of them. */
export interface StepResultStore {
  get(stepKey: string): Promise<StepResult | undefined>;
  put(stepKey: string, result: StepResult): Promise<void>;
}

/**
 * Step results by step key (a CID, so a valid KV key) in the bucket `cim-step-results`: a rerun,
 * a redelivery or a backfill with the same processor, version, parameters and input reuses the
 * result instead of computing it again. Entries are read and written in the KV layout directly
 * (a direct get of the key's last message, a publish to its subject): each unit of a pipeline
 * reads and writes one per step, and the KV client's request per call was a tenth of the
 * engine's CPU.
 */
export class StepResults implements StepResultStore {
  private constructor(
    private readonly direct: DirectReader,
    private readonly publisher: AckPublisher,
  ) {}

  /** Opens the bucket (provisioning creates it; opening checks it is there). */
  static async open(nc: NatsConnection): Promise<StepResults> {
    await new Kvm(nc).open(STEP_RESULTS_BUCKET);
    return new StepResults(new DirectReader(nc), new AckPublisher(nc));
  }

  async get(stepKey: string): Promise<StepResult | undefined> {
    const msg = await this.direct.get(STREAM, { last_by_subj: subjectOf(stepKey) });
    // A deleted or purged key keeps a marker message with the operation in a header.
    if (msg === null || msg.header.has('KV-Operation')) return undefined;
    return JSON.parse(Buffer.from(msg.data).toString('utf8')) as StepResult;
  }

  async put(stepKey: string, result: StepResult): Promise<void> {
    await this.publisher.publish(subjectOf(stepKey), JSON.stringify(result));
  }
}
