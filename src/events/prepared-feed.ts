import type { RecordedEvent } from '../core/envelope.js';

/** An event with the outcome of its preparation. */
export interface PreparedEvent {
  readonly recorded: RecordedEvent;
  readonly outcome:
    | { readonly ok: true; readonly value: unknown }
    | { readonly ok: false; readonly error: unknown };
}

interface Entry {
  readonly recorded: RecordedEvent;
  outcome: PreparedEvent['outcome'] | undefined;
  settled: Promise<void>;
}

/** The outcome of events of a projection without `prepare`, known at once. */
export const PREPARED_NOTHING: PreparedEvent['outcome'] = { ok: true, value: undefined };

/**
 * Reads events from a source, starts preparing each as it arrives, and hands them out in source
 * order in runs of already-prepared events. At most `lookahead` events are read ahead of the
 * consumer, prepared or not: a slow consumer holds the reader back instead of filling memory.
 */
export class PreparedFeed {
  private readonly queue: Entry[] = [];
  private ended = false;
  private failure: unknown;
  private wakeConsumer: (() => void) | undefined;
  private wakeReader: (() => void) | undefined;
  private readonly reading: Promise<void>;

  constructor(
    source: AsyncIterable<RecordedEvent>,
    prepare: ((event: RecordedEvent) => Promise<unknown>) | undefined,
    private readonly lookahead: number,
    skip: (event: RecordedEvent) => boolean,
  ) {
    this.reading = this.read(source, prepare, skip);
  }

  private async read(
    source: AsyncIterable<RecordedEvent>,
    prepare: ((event: RecordedEvent) => Promise<unknown>) | undefined,
    skip: (event: RecordedEvent) => boolean,
  ): Promise<void> {
    try {
      for await (const recorded of source) {
        if (skip(recorded)) continue;
        const entry: Entry = prepare
          ? { recorded, outcome: undefined, settled: Promise.resolve() }
          : { recorded, outcome: PREPARED_NOTHING, settled: Promise.resolve() };
        if (prepare) {
          // Not awaited here: preparation runs while the reader goes on.
          entry.settled = Promise.resolve()
            .then(() => prepare(recorded))
            .then(
              (value: unknown) => {
                entry.outcome = { ok: true, value };
              },
              (error: unknown) => {
                entry.outcome = { ok: false, error };
              },
            );
        }
        this.queue.push(entry);
        this.wake('consumer');
        while (this.queue.length >= this.lookahead) {
          await new Promise<void>((resolve) => (this.wakeReader = resolve));
        }
      }
    } catch (err) {
      this.failure = err;
    }
    this.ended = true;
    this.wake('consumer');
  }

  private wake(which: 'consumer' | 'reader'): void {
    const resume = which === 'consumer' ? this.wakeConsumer : this.wakeReader;
    if (which === 'consumer') this.wakeConsumer = undefined;
    else this.wakeReader = undefined;
    resume?.();
  }

  /**
   * The next run of prepared events in order: the first waits for its preparation, the others
   * are those right behind it already prepared, up to `max`. Undefined once the source ended.
   */
  async next(max: number): Promise<PreparedEvent[] | undefined> {
    while (this.queue.length === 0 && !this.ended) {
      await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
    }
    const first = this.queue[0];
    if (first === undefined) return undefined;
    // Events stay queued until prepared, so they count against the lookahead.
    if (first.outcome === undefined) await first.settled;
    let count = 1;
    while (count < max && this.queue[count]?.outcome !== undefined) count++;
    const run = this.queue.splice(0, count);
    this.wake('reader');
    return run.map((e) => ({ recorded: e.recorded, outcome: e.outcome! }));
  }

  /** Resolves when reading stopped; rejects with the source's failure, if it failed. */
  async finished(): Promise<void> {
    await this.reading;
    if (this.failure !== undefined) throw this.failure;
  }
}
