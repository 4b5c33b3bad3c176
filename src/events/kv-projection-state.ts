import type { KV } from '@nats-io/kv';
import type { CheckpointStore, FailureLog, ProjectionFailure } from './projection.js';
import { assertToken } from '../core/subjects.js';

/** Checkpoints in the JetStream KV bucket `cim-projections`, key `checkpoint.<projection>`. */
export class KvCheckpointStore implements CheckpointStore {
  constructor(private readonly kv: KV) {}

  async load(projection: string): Promise<number> {
    const entry = await this.kv.get(`checkpoint.${assertToken('projection', projection)}`);
    if (!entry || entry.operation !== 'PUT') return 0;
    const position = Number(entry.string());
    return Number.isSafeInteger(position) && position > 0 ? position : 0;
  }

  async save(projection: string, position: number): Promise<void> {
    await this.kv.put(`checkpoint.${assertToken('projection', projection)}`, String(position));
  }
}

/** Failures in the same bucket, key `failure.<projection>.<position>`, value the failure as JSON. */
export class KvFailureLog implements FailureLog {
  constructor(private readonly kv: KV) {}

  async record(failure: ProjectionFailure): Promise<void> {
    await this.kv.put(
      `failure.${assertToken('projection', failure.projection)}.${failure.position}`,
      JSON.stringify(failure),
    );
  }

  async list(projection: string): Promise<ProjectionFailure[]> {
    const out: ProjectionFailure[] = [];
    const keys = await this.kv.keys(`failure.${assertToken('projection', projection)}.>`);
    for await (const key of keys) {
      const entry = await this.kv.get(key);
      if (entry && entry.operation === 'PUT') out.push(entry.json<ProjectionFailure>());
    }
    return out.sort((a, b) => a.position - b.position);
  }

  async clear(projection: string): Promise<void> {
    const keys = await this.kv.keys(`failure.${assertToken('projection', projection)}.>`);
    for await (const key of keys) await this.kv.purge(key);
  }
}
