import type { Logger } from 'pino';
import type { EventStore, EventSubscription } from './event-store.js';
import type { CheckpointStore, FailureLog, Projection } from './projection.js';
import { PREPARED_NOTHING, PreparedFeed } from './prepared-feed.js';
import type { PreparedEvent } from './prepared-feed.js';
import type { RecordedEvent } from '../core/envelope.js';
import { CimError } from '../core/errors.js';
import { assertToken } from '../core/subjects.js';

/** Tuning for {@link ProjectionRunner}. */
export interface ProjectionRunnerOptions {
  /** Save the checkpoint after this many events… */
  readonly checkpointEvery?: number;
  /** …or this long after the first unsaved event, whichever comes first. */
  readonly checkpointIntervalMs?: number;
  /**
   * How many events may be read ahead of the one being applied, for projections with `prepare`
   * or `handleBatch` (it also bounds a batch). Default 32.
   */
  readonly lookahead?: number;
}

/** The most events handed to a projection's `handleBatch` at once. */
const MAX_BATCH = 256;

/** What a runner reports about its projection. */
export interface ProjectionStatus {
  readonly name: string;
  readonly state: 'stopped' | 'running' | 'broken';
  readonly position: number;
  readonly failures: number;
  /** Of the failures, events whose data did not match their type's schema (`malformed_event`). */
  readonly malformed: number;
  readonly lastError?: string;
}

const MALFORMED = 'malformed_event';

/**
 * Feeds one projection from the event store: resumes from its checkpoint, skips what it has
 * already applied, records every failed event in the failure log and goes on, saves checkpoints
 * in batches (handlers are idempotent, so a replay after a crash is harmless), and rebuilds from
 * zero with one call.
 */
export class ProjectionRunner {
  private subscription: EventSubscription | undefined;
  private loop: Promise<void> | undefined;
  private position = 0;
  private saved = 0;
  private failures = 0;
  private malformed = 0;
  private lastError: string | undefined;
  private state: ProjectionStatus['state'] = 'stopped';
  private timer: NodeJS.Timeout | undefined;
  private waiters: { position: number; resolve: () => void }[] = [];
  private readonly every: number;
  private readonly intervalMs: number;
  private readonly lookahead: number;

  constructor(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the runner only passes results through
    private readonly projection: Projection<any>,
    private readonly store: EventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly failureLog: FailureLog,
    private readonly logger: Logger,
    options: ProjectionRunnerOptions = {},
  ) {
    assertToken('projection name', projection.name);
    this.every = options.checkpointEvery ?? 1000;
    this.intervalMs = options.checkpointIntervalMs ?? 500;
    // Reading ahead serves preparation and batching; a plain projection reads one at a time.
    this.lookahead =
      projection.prepare || projection.handleBatch ? Math.max(1, options.lookahead ?? 32) : 1;
  }

  /** Resumes from the saved checkpoint and follows the stream until {@link stop}. */
  async start(): Promise<void> {
    if (this.state === 'running') return;
    this.position = await this.checkpoints.load(this.projection.name);
    this.saved = this.position;
    const logged = await this.failureLog.list(this.projection.name);
    this.failures = logged.length;
    this.malformed = logged.filter((f) => f.code === MALFORMED).length;
    const subscription = await this.store.subscribe({
      after: this.position,
      ...(this.projection.filter ? { filter: this.projection.filter } : {}),
    });
    this.subscription = subscription;
    this.state = 'running';
    this.loop = this.follow(subscription);
  }

  /**
   * Applies the subscription in order through a {@link PreparedFeed}: preparation runs ahead by
   * at most `lookahead` events, and runs of prepared events go to `handleBatch` when the
   * projection has one. A batch that fails is applied again one event at a time, so only the bad
   * event is recorded as failed.
   */
  private async follow(subscription: EventSubscription): Promise<void> {
    if (!this.projection.prepare && !this.projection.handleBatch)
      return this.followPlain(subscription);
    const prepare = this.projection.prepare?.bind(this.projection);
    const feed = new PreparedFeed(
      subscription,
      prepare,
      this.lookahead,
      (recorded) => recorded.position <= this.position,
    );
    const max = this.projection.handleBatch ? MAX_BATCH : 1;
    for (let run = await feed.next(max); run !== undefined; run = await feed.next(max)) {
      const ready = run.every((e) => e.outcome.ok);
      let applied = false;
      if (ready && run.length > 1) {
        try {
          await this.projection.handleBatch!(
            run.map((e) => ({
              event: e.recorded,
              prepared: e.outcome.ok ? e.outcome.value : undefined,
            })),
          );
          applied = true;
        } catch (err) {
          this.logger.debug(
            { err, projection: this.projection.name },
            'batch failed; applying one by one',
          );
        }
      }
      for (const { recorded, outcome } of run) {
        if (!applied) await this.applyOne(recorded, outcome);
        this.advance(recorded);
      }
    }
    try {
      await feed.finished();
    } catch (err) {
      this.broken(err);
    }
  }

  /** One event at a time, straight from the subscription: the cheapest path for replay. */
  private async followPlain(subscription: EventSubscription): Promise<void> {
    try {
      for await (const recorded of subscription) {
        if (recorded.position <= this.position) continue;
        await this.applyOne(recorded, PREPARED_NOTHING);
        this.advance(recorded);
      }
    } catch (err) {
      this.broken(err);
    }
  }

  /** Applies one event with `handle`; a failure (its own or its preparation's) is recorded. */
  private async applyOne(
    recorded: RecordedEvent,
    outcome: PreparedEvent['outcome'],
  ): Promise<void> {
    try {
      if (!outcome.ok) throw outcome.error;
      await this.projection.handle(recorded, outcome.value);
    } catch (err) {
      await this.recordFailure(recorded.position, recorded.event.id, recorded.event.type, err);
    }
  }

  private advance(recorded: RecordedEvent): void {
    this.position = recorded.position;
    this.afterApply();
  }

  private broken(err: unknown): void {
    this.state = 'broken';
    this.lastError = (err as Error).message;
    this.logger.error({ err, projection: this.projection.name }, 'projection stopped');
  }

  private async recordFailure(
    position: number,
    eventId: string,
    eventType: string,
    err: unknown,
  ): Promise<void> {
    this.failures++;
    const code = err instanceof CimError ? err.code : undefined;
    if (code === MALFORMED) this.malformed++;
    this.lastError = err instanceof Error ? err.message : String(err);
    this.logger.warn(
      { projection: this.projection.name, position, eventType, err },
      code === MALFORMED
        ? 'projection passed over a malformed event'
        : 'projection failed on an event',
    );
    await this.failureLog.record({
      projection: this.projection.name,
      position,
      eventId,
      eventType,
      error: this.lastError,
      ...(code !== undefined ? { code } : {}),
      at: new Date().toISOString(),
    });
  }

  private afterApply(): void {
    if (this.position - this.saved >= this.every) void this.checkpoint();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => void this.checkpoint(), this.intervalMs);
    }
    if (this.waiters.length > 0) {
      const ready = this.waiters.filter((w) => w.position <= this.position);
      this.waiters = this.waiters.filter((w) => w.position > this.position);
      for (const w of ready) w.resolve();
    }
  }

  private async checkpoint(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const position = this.position;
    if (position === this.saved) return;
    this.saved = position;
    try {
      await this.checkpoints.save(this.projection.name, position);
    } catch (err) {
      this.saved = 0;
      this.logger.warn(
        { err, projection: this.projection.name },
        'checkpoint not saved; will retry',
      );
    }
  }

  /** Resolves once every event up to `position` has been applied. */
  waitFor(position: number): Promise<void> {
    if (this.position >= position) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  /** Stops following and saves the checkpoint. */
  async stop(): Promise<void> {
    if (this.subscription) await this.subscription.stop();
    await this.loop;
    this.subscription = undefined;
    this.loop = undefined;
    await this.checkpoint();
    if (this.state === 'running') this.state = 'stopped';
  }

  /** Empties the read model and replays every event from position 0. */
  async rebuild(): Promise<void> {
    await this.stop();
    await this.projection.reset();
    await this.failureLog.clear(this.projection.name);
    await this.checkpoints.save(this.projection.name, 0);
    this.lastError = undefined;
    this.state = 'stopped';
    await this.start();
  }

  status(): ProjectionStatus {
    return {
      name: this.projection.name,
      state: this.state,
      position: this.position,
      failures: this.failures,
      malformed: this.malformed,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
  }
}
