import type { Logger } from 'pino';
import type { RecordedEvent } from '../core/envelope.js';
import type { EventStore, EventSubscription } from './event-store.js';
import type { CheckpointStore, FailureLog, Projection } from './projection.js';
import { assertToken } from '../core/subjects.js';

/** Tuning for {@link ProjectionRunner}. */
export interface ProjectionRunnerOptions {
  /** Save the checkpoint after this many events… */
  readonly checkpointEvery?: number;
  /** …or this long after the first unsaved event, whichever comes first. */
  readonly checkpointIntervalMs?: number;
  /** How many events may be prepared ahead of the one being applied (projections with `prepare`). */
  readonly lookahead?: number;
}

interface Queued {
  readonly recorded: RecordedEvent;
  readonly prepared: Promise<unknown>;
}

/** What a runner reports about its projection. */
export interface ProjectionStatus {
  readonly name: string;
  readonly state: 'stopped' | 'running' | 'broken';
  readonly position: number;
  readonly failures: number;
  readonly lastError?: string;
}

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
    this.lookahead = projection.prepare ? Math.max(1, options.lookahead ?? 32) : 1;
  }

  /** Resumes from the saved checkpoint and follows the stream until {@link stop}. */
  async start(): Promise<void> {
    if (this.state === 'running') return;
    this.position = await this.checkpoints.load(this.projection.name);
    this.saved = this.position;
    this.failures = (await this.failureLog.list(this.projection.name)).length;
    const subscription = await this.store.subscribe({
      after: this.position,
      ...(this.projection.filter ? { filter: this.projection.filter } : {}),
    });
    this.subscription = subscription;
    this.state = 'running';
    this.loop = this.follow(subscription);
  }

  /**
   * Reads the subscription into a bounded queue, starting each event's `prepare` as it arrives,
   * and applies the queue in order: reading runs ahead by at most `lookahead` events.
   */
  private async follow(subscription: EventSubscription): Promise<void> {
    const queue: Queued[] = [];
    let ended = false;
    let readFailure: unknown;
    let wakeApplier: (() => void) | undefined;
    let wakeReader: (() => void) | undefined;
    const wake = (which: 'applier' | 'reader') => {
      const resume = which === 'applier' ? wakeApplier : wakeReader;
      if (which === 'applier') wakeApplier = undefined;
      else wakeReader = undefined;
      resume?.();
    };
    const reader = (async () => {
      try {
        for await (const recorded of subscription) {
          if (recorded.position <= this.position) continue;
          const prepared = this.projection.prepare
            ? Promise.resolve().then(() => this.projection.prepare!(recorded))
            : Promise.resolve(undefined);
          // Its failure is taken when the event is applied; this only keeps it from being unhandled.
          prepared.catch(() => undefined);
          queue.push({ recorded, prepared });
          wake('applier');
          while (queue.length >= this.lookahead) {
            await new Promise<void>((resolve) => (wakeReader = resolve));
          }
        }
      } catch (err) {
        readFailure = err;
      }
      ended = true;
      wake('applier');
    })();

    for (;;) {
      while (queue.length === 0 && !ended) {
        await new Promise<void>((resolve) => (wakeApplier = resolve));
      }
      // The event stays queued until its preparation settles, so it counts against lookahead.
      const next = queue[0];
      if (next === undefined) break;
      const { recorded } = next;
      const prepared = await next.prepared.then(
        (value: unknown) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      queue.shift();
      wake('reader');
      try {
        if (!prepared.ok) throw prepared.error;
        await this.projection.handle(recorded, prepared.value);
      } catch (err) {
        await this.recordFailure(recorded.position, recorded.event.id, recorded.event.type, err);
      }
      this.position = recorded.position;
      this.afterApply();
    }
    await reader;
    if (readFailure !== undefined) {
      this.state = 'broken';
      this.lastError = (readFailure as Error).message;
      this.logger.error(
        { err: readFailure, projection: this.projection.name },
        'projection stopped',
      );
    }
  }

  private async recordFailure(
    position: number,
    eventId: string,
    eventType: string,
    err: unknown,
  ): Promise<void> {
    this.failures++;
    this.lastError = err instanceof Error ? err.message : String(err);
    this.logger.warn(
      { projection: this.projection.name, position, eventType, err },
      'projection failed on an event',
    );
    await this.failureLog.record({
      projection: this.projection.name,
      position,
      eventId,
      eventType,
      error: this.lastError,
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
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
  }
}
