import type { Logger } from 'pino';
import type { EventStore, EventSubscription } from './event-store.js';
import type { CheckpointStore, FailureLog, Projection } from './projection.js';
import { assertToken } from '../core/subjects.js';

/** Tuning for {@link ProjectionRunner}. */
export interface ProjectionRunnerOptions {
  /** Save the checkpoint after this many events… */
  readonly checkpointEvery?: number;
  /** …or this long after the first unsaved event, whichever comes first. */
  readonly checkpointIntervalMs?: number;
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

  constructor(
    private readonly projection: Projection,
    private readonly store: EventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly failureLog: FailureLog,
    private readonly logger: Logger,
    options: ProjectionRunnerOptions = {},
  ) {
    assertToken('projection name', projection.name);
    this.every = options.checkpointEvery ?? 1000;
    this.intervalMs = options.checkpointIntervalMs ?? 500;
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

  private async follow(subscription: EventSubscription): Promise<void> {
    try {
      for await (const recorded of subscription) {
        if (recorded.position <= this.position) continue;
        try {
          await this.projection.handle(recorded);
        } catch (err) {
          await this.recordFailure(recorded.position, recorded.event.id, recorded.event.type, err);
        }
        this.position = recorded.position;
        this.afterApply();
      }
    } catch (err) {
      this.state = 'broken';
      this.lastError = (err as Error).message;
      this.logger.error({ err, projection: this.projection.name }, 'projection stopped');
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
