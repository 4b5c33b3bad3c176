import type { CheckpointStore } from './projection.js';

/** Checkpoints kept in memory, for read models rebuilt from the stream at every start. */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly positions = new Map<string, number>();

  async load(projection: string): Promise<number> {
    return this.positions.get(projection) ?? 0;
  }

  async save(projection: string, position: number): Promise<void> {
    this.positions.set(projection, position);
  }
}
