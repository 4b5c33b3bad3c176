import type { KV } from '@nats-io/kv';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { STEP_RESULTS_BUCKET } from '../nats/provision.js';
import type { StepResult } from './run-events.js';

/**
 * Step results by step key (a CID, so a valid KV key) in the bucket `cim-step-results`: a rerun,
 * a redelivery or a backfill with the same processor, version, parameters and input reuses the
 * result instead of computing it again.
 */
export class StepResults {
  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection): Promise<StepResults> {
    return new StepResults(await new Kvm(nc).open(STEP_RESULTS_BUCKET));
  }

  async get(stepKey: string): Promise<StepResult | undefined> {
    const entry = await this.kv.get(stepKey);
    return entry && entry.operation === 'PUT' ? entry.json<StepResult>() : undefined;
  }

  async put(stepKey: string, result: StepResult): Promise<void> {
    await this.kv.put(stepKey, JSON.stringify(result));
  }
}
