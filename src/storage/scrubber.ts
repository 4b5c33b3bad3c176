import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { toCimError } from '../core/errors.js';
import type { EventStore } from '../events/event-store.js';
import type { ReadMark, VerifyReport as EventsReport } from '../events/verify.js';
import { verifyEvents } from '../events/verify.js';
import { HOT_TIER } from './tiers/jetstream-tier.js';
import type { StorageManager } from './storage-manager.js';
import type { VerifyRun, VerifyRuns } from './verify-runs.js';

/** What the last scrub of the event stream found. */
export interface EventsScrub {
  readonly at: string;
  readonly report: EventsReport | null;
  readonly error: string | null;
}

/** The storage faults health and metrics report: from the last whole-node verification. */
export interface StorageHealth {
  readonly state: 'ok' | 'faults' | 'unchecked';
  /** Contents no tier holds intact, and faulty copies not repaired, at the last check. */
  readonly lost: number;
  readonly unrepaired: number;
  readonly repaired: number;
  /** Problems found in the event stream by the last scrub. */
  readonly eventProblems: number;
  readonly lastCheck: { readonly kind: string; readonly at: string } | null;
}

/**
 * Scrubs the node's stores: every `intervalMs` it re-hashes every copy in every tier against
 * what the history says is stored (repairing what it can) and verifies the event stream; at
 * start, when the last run did not stop cleanly (its marker file is still there), it first
 * reconciles: the hot tier re-hashed, the other tiers asked, the event stream verified.
 */
export class Scrubber {
  private timer: NodeJS.Timeout | undefined;
  private eventsScrub: EventsScrub | undefined;
  private scrubbing: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly runs: VerifyRuns,
    private readonly storage: StorageManager,
    private readonly events: Pick<EventStore, 'scan'>,
    private readonly marks: () => Promise<ReadMark[]>,
    private readonly marker: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Starts the schedule (0: none) and, after an unclean stop with `afterUncleanStart`, the
   * reconciliation; then marks this run as not cleanly stopped until {@link stop}.
   */
  start(options: { intervalMs: number; afterUncleanStart: boolean }): void {
    const unclean = existsSync(this.marker);
    mkdirSync(dirname(this.marker), { recursive: true });
    writeFileSync(this.marker, `${process.pid}\n`);
    if (unclean && options.afterUncleanStart) {
      this.logger.warn(
        'the last run did not stop cleanly: reconciling the stores with the history',
      );
      this.run('reconcile');
    }
    if (options.intervalMs > 0) {
      this.timer = setInterval(() => this.run('scrub'), options.intervalMs);
      this.timer.unref();
    }
  }

  /** The last scrub of the event stream, if any. */
  get lastEventsScrub(): EventsScrub | undefined {
    return this.eventsScrub;
  }

  /** Faults found by the last whole-node verification and event scrub. */
  health(): StorageHealth {
    const run: VerifyRun | undefined = this.runs.lastFullRun;
    const report = run?.report ?? null;
    const repaired = report?.faults.filter((f) => f.repairedFrom !== undefined).length ?? 0;
    const unrepaired = (report?.faults.length ?? 0) - repaired;
    const lost = report?.lost.length ?? 0;
    const eventProblems = this.eventsScrub?.report?.problemCount ?? 0;
    const checked = run !== undefined || this.eventsScrub !== undefined;
    return {
      state: lost + unrepaired + eventProblems > 0 ? 'faults' : checked ? 'ok' : 'unchecked',
      lost,
      unrepaired,
      repaired,
      eventProblems,
      lastCheck: run?.finishedAt ? { kind: run.kind, at: run.finishedAt } : null,
    };
  }

  /** One scrub or reconciliation (a second one asked for while one runs joins it). */
  run(kind: 'scrub' | 'reconcile'): Promise<void> {
    this.scrubbing ??= this.scrub(kind).finally(() => (this.scrubbing = undefined));
    return this.scrubbing;
  }

  private async scrub(kind: 'scrub' | 'reconcile'): Promise<void> {
    await this.scrubEvents();
    if (this.stopped) return;
    const presenceOnly =
      kind === 'reconcile'
        ? new Set(this.storage.tiers.map((t) => t.name).filter((n) => n !== HOT_TIER))
        : undefined;
    try {
      await this.runs.settled();
      this.runs.start(undefined, {
        kind,
        repair: true,
        ...(presenceOnly !== undefined && { presenceOnly }),
      });
      await this.runs.settled();
    } catch (err) {
      this.logger.warn({ err: toCimError(err).message }, `storage ${kind} could not start`);
    }
  }

  private async scrubEvents(): Promise<void> {
    const at = new Date().toISOString();
    try {
      const report = await verifyEvents(this.events, { readMarks: await this.marks() });
      this.eventsScrub = { at, report, error: null };
      if (!report.ok) {
        this.logger.error(
          { problems: report.problems.slice(0, 10), problemCount: report.problemCount },
          `event stream DAMAGED: ${report.problemCount} problem(s) found by the scrub (cim events verify lists them)`,
        );
      }
    } catch (err) {
      this.eventsScrub = { at, report: null, error: toCimError(err).message };
      this.logger.error({ err: toCimError(err).message }, 'the event stream could not be scrubbed');
    }
  }

  /** Stops the schedule, waits for a scrub under way, and marks the stop as clean. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.scrubbing;
    rmSync(this.marker, { force: true });
  }
}
