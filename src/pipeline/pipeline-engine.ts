import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { RecordedEvent } from '../core/envelope.js';
import { UnitIngested } from '../core/catalogue/units.js';
import { toCimError } from '../core/errors.js';
import { EVENTS_STREAM } from '../core/subjects.js';
import type { JetStreamEventReader } from '../events/jetstream-event-reader.js';
import { DOCUMENT_AGGREGATE, UNITS_DOMAIN } from '../units/unit-events.js';
import type { DeadLetter, DeadLetters } from './dead-letters.js';
import type { PipelineDefinition, RetryPolicy } from './definition.js';
import type { PipelineCatalog } from './pipeline-catalog.js';
import { consumerName, ensureConsumer, PipelineWorker } from './pipeline-worker.js';
import { matchesTrigger } from './trigger.js';
import type { UnitRunDeps, UnitRunOutcome, UnitToRun } from './unit-run.js';
import { runUnit } from './unit-run.js';

/** What the engine needs besides running units. */
export interface PipelineEngineDeps extends UnitRunDeps {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly reader: JetStreamEventReader;
  readonly catalog: PipelineCatalog;
  readonly deadLetters: DeadLetters;
  readonly ackWaitSeconds: number;
}

/** Counters of one pipeline since this process started. */
export interface PipelineCounters {
  completed: number;
  retried: number;
  deadLettered: number;
  computedSteps: number;
  reusedSteps: number;
  skipped: number;
  /** Of the skipped, events whose data did not match their schema (each logged as an error). */
  malformed: number;
}

/** The summary of a backfill or a retry of dead letters. */
export interface BatchReport {
  readonly units: number;
  readonly completed: number;
  readonly deadLettered: number;
  readonly computedSteps: number;
  readonly reusedSteps: number;
  readonly seconds: number;
}

/** A backfill running in the background, as status shows it. */
export interface BackfillProgress {
  readonly state: 'running' | 'done' | 'failed';
  readonly startedAt: string;
  /** Stream position read up to, and the stream's end when the backfill started. */
  readonly position: number;
  readonly endPosition: number;
  readonly report: BatchReport;
  readonly error?: string;
}

const BACKFILL_PAGE = 500;

/** Exponential backoff before attempt `attempt + 1`. */
export function backoffMs(retry: RetryPolicy, attempt: number): number {
  return Math.min(retry.maxBackoffMs, retry.backoffMs * 2 ** Math.max(0, attempt - 1));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs pipelines: one durable consumer and worker per running pipeline, started and stopped as
 * definitions are applied, paused and resumed. Delivery is at least once; results are
 * idempotent (see {@link runUnit}). A failed unit is delivered again after an exponential
 * backoff until the pipeline's attempts are spent, then it goes to the dead-letter list with its
 * error and the others go on.
 */
export class PipelineEngine {
  private readonly workers = new Map<string, PipelineWorker>();
  private readonly counters = new Map<string, PipelineCounters>();
  private sync: Promise<void> = Promise.resolve();
  private readonly backfills = new Map<string, BackfillProgress>();
  private stopped = false;
  private readonly startFailures = new Map<string, number>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly deps: PipelineEngineDeps) {}

  /** Starts every running pipeline and follows changes to the definitions. */
  start(): void {
    this.deps.catalog.onChange((name) => this.schedule(name));
    for (const p of this.deps.catalog.list()) this.schedule(p.name);
  }

  /** Waits until every pipeline change seen so far has been acted on. */
  settled(): Promise<void> {
    return this.sync;
  }

  private schedule(name: string): void {
    // One change at a time, in order: an apply followed by a pause must not race.
    this.sync = this.sync
      .then(() => this.reconcile(name))
      .then(
        () => {
          this.startFailures.delete(name);
        },
        (err: unknown) => this.retryLater(name, err),
      );
  }

  /**
   * A pipeline that could not be started (its consumer not created in time, as while a cluster
   * elects leaders) is tried again, 1 s after the first failure and up to every 30 s, instead of
   * staying stopped until the next restart.
   */
  private retryLater(name: string, err: unknown): void {
    const failures = (this.startFailures.get(name) ?? 0) + 1;
    this.startFailures.set(name, failures);
    const delayMs = Math.min(30_000, 1000 * 2 ** (failures - 1));
    this.deps.logger.error(
      { err, pipeline: name, attempt: failures, retryInMs: delayMs },
      'pipeline could not be started; trying again',
    );
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (!this.stopped) this.schedule(name);
    }, delayMs);
    this.retryTimers.add(timer);
  }

  private async reconcile(name: string): Promise<void> {
    if (this.stopped) return;
    const pipeline = this.deps.catalog.get(name);
    const worker = this.workers.get(name);
    const wanted = pipeline?.state === 'running';
    if (worker && (!wanted || worker.concurrency !== pipeline.definition.concurrency)) {
      this.workers.delete(name);
      await worker.stop();
    }
    if (!pipeline || !wanted || this.workers.has(name)) return;
    await ensureConsumer(this.deps.jsm, pipeline, this.deps.ackWaitSeconds);
    const next = new PipelineWorker(
      this.deps.js,
      name,
      pipeline.definition.concurrency,
      (msg) => this.handle(name, msg),
      (err) => this.deps.logger.error({ err, pipeline: name }, 'pipeline worker failed'),
    );
    await next.start();
    this.workers.set(name, next);
  }

  /** Counters for one pipeline (zeros before its first unit). */
  countersOf(name: string): PipelineCounters {
    let counters = this.counters.get(name);
    if (!counters) {
      counters = {
        completed: 0,
        retried: 0,
        deadLettered: 0,
        computedSteps: 0,
        reusedSteps: 0,
        skipped: 0,
        malformed: 0,
      };
      this.counters.set(name, counters);
    }
    return counters;
  }

  /** Units waiting on the server and delivered but unacknowledged, for status. */
  async backlog(name: string): Promise<{ pending: number; inFlight: number } | undefined> {
    try {
      const info = await this.deps.jsm.consumers.info(EVENTS_STREAM, consumerName(name));
      return { pending: info.num_pending, inFlight: info.num_ack_pending };
    } catch {
      return undefined;
    }
  }

  /** The pipeline's dead letters, oldest first. */
  deadLetters(name: string): Promise<DeadLetter[]> {
    return this.deps.deadLetters.list(name);
  }

  /**
   * The unit an event ingested, when it should run through `definition`. A malformed event is
   * a failure of that one event: logged, counted, and never run.
   */
  private target(definition: PipelineDefinition, recorded: RecordedEvent) {
    if (!UnitIngested.is(recorded)) return undefined;
    const parsed = UnitIngested.safeParse(recorded);
    if (!parsed.ok) {
      this.countersOf(definition.name).malformed++;
      this.deps.logger.error(
        { err: parsed.error, pipeline: definition.name, position: recorded.position },
        'malformed event not run',
      );
      return undefined;
    }
    const { data } = parsed;
    // Derived units never start pipelines: a text extracted from a text would loop forever.
    if (data.unit.producedBy !== null) return undefined;
    if (!matchesTrigger(definition.trigger, recorded.event, data.unit)) return undefined;
    return {
      unitCid: data.unitCid,
      unit: data.unit,
      correlationId: recorded.event.correlationId,
      causationId: recorded.event.id,
    };
  }

  private async handle(name: string, msg: JsMsg): Promise<void> {
    const definition = this.deps.catalog.get(name)?.definition;
    const counters = this.countersOf(name);
    let recorded: RecordedEvent;
    try {
      recorded = this.deps.reader.toRecorded({
        seq: msg.seq,
        subject: msg.subject,
        data: msg.data,
        header: msg.headers,
      });
    } catch (err) {
      this.deps.logger.error({ err, pipeline: name, position: msg.seq }, 'event refused');
      msg.term();
      return;
    }
    const target = definition ? this.target(definition, recorded) : undefined;
    if (!definition || !target) {
      counters.skipped++;
      msg.ack();
      return;
    }
    const attempt = msg.info.deliveryCount;
    const last = attempt >= definition.retry.attempts;
    const keepAlive = setInterval(() => msg.working(), (this.deps.ackWaitSeconds * 1000) / 3);
    let outcome: UnitRunOutcome;
    try {
      outcome = await this.attempt(definition, target, attempt, last);
    } finally {
      clearInterval(keepAlive);
    }
    counters.computedSteps += outcome.computed;
    counters.reusedSteps += outcome.reused;
    if (outcome.status === 'completed') {
      counters.completed++;
      msg.ack();
    } else if (!last) {
      counters.retried++;
      msg.nak(backoffMs(definition.retry, attempt));
    } else {
      await this.deadLetter(name, target.unitCid, recorded.position, outcome, attempt);
      msg.ack();
    }
  }

  private async deadLetter(
    pipeline: string,
    unitCid: string,
    position: number,
    outcome: Extract<UnitRunOutcome, { status: 'failed' }>,
    attempts: number,
  ): Promise<void> {
    const letter: DeadLetter = {
      pipeline,
      unitCid,
      position,
      step: outcome.step,
      error: outcome.error.message,
      attempts,
      at: new Date().toISOString(),
    };
    this.deps.logger.warn(letter, 'unit sent to the dead-letter list');
    await this.deps.deadLetters.put(letter);
    // Counted once it is on the list, so a status that counts it also lists it.
    this.countersOf(pipeline).deadLettered++;
  }

  /** One attempt at a unit; a failure outside any step (NATS, the store) is a failed outcome too. */
  private async attempt(
    definition: PipelineDefinition,
    target: UnitToRun,
    attempt: number,
    last: boolean,
  ): Promise<UnitRunOutcome> {
    try {
      return await runUnit(this.deps, definition, target, attempt, last);
    } catch (err) {
      return { status: 'failed', step: '(engine)', error: toCimError(err), computed: 0, reused: 0 };
    }
  }

  /** Runs one unit with the pipeline's retries in process; a final failure is dead-lettered. */
  private async runWithRetries(
    definition: PipelineDefinition,
    target: UnitToRun,
    position: number,
  ): Promise<UnitRunOutcome> {
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= definition.retry.attempts;
      const outcome = await this.attempt(definition, target, attempt, last);
      if (outcome.status === 'completed') return outcome;
      if (last) {
        await this.deadLetter(definition.name, target.unitCid, position, outcome, attempt);
        return outcome;
      }
      await sleep(backoffMs(definition.retry, attempt));
    }
  }

  /** Runs `units` with at most the pipeline's concurrency at once, and sums up into `report`. */
  private async runBatch(
    definition: PipelineDefinition,
    units: AsyncIterable<{ recorded: RecordedEvent; after?: () => Promise<void> }>,
    report: Mutable<BatchReport> = emptyReport(),
  ): Promise<BatchReport> {
    const started = performance.now();
    const inFlight = new Set<Promise<void>>();
    for await (const { recorded, after } of units) {
      const target = this.target(definition, recorded);
      if (!target) continue;
      report.units++;
      while (inFlight.size >= definition.concurrency) await Promise.race(inFlight);
      const work: Promise<void> = this.runWithRetries(definition, target, recorded.position)
        .then(async (outcome) => {
          report.computedSteps += outcome.computed;
          report.reusedSteps += outcome.reused;
          if (outcome.status === 'completed') {
            report.completed++;
            await after?.();
          } else report.deadLettered++;
        })
        .finally(() => inFlight.delete(work));
      inFlight.add(work);
    }
    await Promise.all(inFlight);
    report.seconds = (performance.now() - started) / 1000;
    return { ...report };
  }

  /**
   * Runs every unit already ingested (that the trigger selects) through the pipeline. Steps whose
   * results exist are reused, so a second backfill computes nothing.
   */
  async backfill(
    definition: PipelineDefinition,
    report: Mutable<BatchReport> = emptyReport(),
    onPosition: (position: number) => void = () => undefined,
  ): Promise<BatchReport> {
    const { events } = this.deps;
    const filter = { domain: UNITS_DOMAIN, aggregate: DOCUMENT_AGGREGATE };
    const read = (after: number) => {
      const page = events.readAll({ after, limit: BACKFILL_PAGE, filter });
      // Awaited below; this only keeps a read ahead that fails while a page runs from being
      // reported as unhandled before then.
      page.catch(() => undefined);
      return page;
    };
    async function* everyUnit() {
      for (let next = read(0); ;) {
        const page = await next;
        if (page.length === 0) return;
        // The next page is read while this one runs: read one event at a time, it kept the
        // pipeline's concurrency waiting.
        next = read(page[page.length - 1]!.position);
        for (const recorded of page) {
          onPosition(recorded.position);
          yield { recorded };
        }
      }
    }
    return this.runBatch(definition, everyUnit(), report);
  }

  /**
   * Starts a backfill in the background, or returns the one already running for the pipeline:
   * a long backfill must not depend on one request staying open. Its progress is in
   * {@link backfillProgress}.
   */
  async startBackfill(definition: PipelineDefinition): Promise<BackfillProgress> {
    const current = this.backfills.get(definition.name);
    if (current?.state === 'running') return current;
    const info = await this.deps.jsm.streams.info(EVENTS_STREAM);
    const report = emptyReport();
    const progress: Mutable<BackfillProgress> = {
      state: 'running',
      startedAt: new Date().toISOString(),
      position: 0,
      endPosition: info.state.last_seq,
      report,
    };
    this.backfills.set(definition.name, progress);
    this.backfill(definition, report, (position) => (progress.position = position)).then(
      () => {
        progress.position = progress.endPosition;
        progress.state = 'done';
      },
      (err: unknown) => {
        progress.state = 'failed';
        progress.error = toCimError(err).message;
        this.deps.logger.error({ err, pipeline: definition.name }, 'backfill failed');
      },
    );
    return progress;
  }

  /** The pipeline's latest backfill since this process started, if any. */
  backfillProgress(name: string): BackfillProgress | undefined {
    return this.backfills.get(name);
  }

  /** Runs the pipeline's dead letters again; those that complete leave the list. */
  async retryDeadLetters(definition: PipelineDefinition): Promise<BatchReport> {
    const { events, deadLetters } = this.deps;
    const letters = await deadLetters.list(definition.name);
    const filter = { domain: UNITS_DOMAIN, aggregate: DOCUMENT_AGGREGATE };
    async function* lettered() {
      for (const letter of letters) {
        const [recorded] = await events.readAll({ after: letter.position - 1, limit: 1, filter });
        if (!recorded || recorded.position !== letter.position) continue;
        await deadLetters.remove(letter.pipeline, letter.unitCid);
        yield { recorded };
      }
    }
    return this.runBatch(definition, lettered());
  }

  /** Stops every worker, letting units in hand finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    await this.sync;
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
    this.workers.clear();
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function emptyReport(): Mutable<BatchReport> {
  return { units: 0, completed: 0, deadLettered: 0, computedSteps: 0, reusedSteps: 0, seconds: 0 };
}
