import type { Logger } from 'pino';
import { InvalidInputError, toCimError } from '../core/errors.js';
import type { ExpectedContent } from './content-inventory.js';
import type { StorageManager } from './storage-manager.js';
import type { VerifyReport } from './tier-verify.js';

/** Why a verification runs: asked for, the scheduled scrub, or the check after an unclean stop. */
export type VerifyKind = 'verify' | 'scrub' | 'reconcile';

/** How a run checks and what it may change. */
export interface VerifyRunOptions {
  readonly kind?: VerifyKind;
  /** Replace each faulty copy from an intact one in another tier. */
  readonly repair?: boolean;
  /** Tiers whose copies are only looked up, not re-hashed. */
  readonly presenceOnly?: ReadonlySet<string>;
}

/** One run of `cim storage verify`, as `GET /api/storage/verify` reports it. */
export interface VerifyRun {
  /** The tier verified, or null for every tier. */
  readonly tier: string | null;
  readonly kind: VerifyKind;
  state: 'running' | 'done' | 'failed';
  /** Objects checked so far, and how many there were at the last status (null if unknown). */
  checked: number;
  readonly expected: number | null;
  readonly startedAt: string;
  finishedAt: string | null;
  /** The full report once done. */
  report: VerifyReport | null;
  error: string | null;
}

/**
 * Runs storage verification in the background, one run at a time, so a client can follow its
 * progress (re-hashing a large tier takes hours) instead of holding one request open.
 */
export class VerifyRuns {
  private current: VerifyRun | undefined;
  private lastWhole: VerifyRun | undefined;

  /**
   * `inventory` says what the history holds (caught up to the stream's end when called); every
   * run checks each copy it places in the tiers verified.
   */
  constructor(
    private readonly storage: StorageManager,
    private readonly logger: Logger,
    private readonly inventory?: () => Promise<ReadonlyMap<string, ExpectedContent>>,
  ) {}

  /** The latest run since start, if any. */
  get lastRun(): VerifyRun | undefined {
    return this.current;
  }

  /** The latest finished run over every tier: what health and metrics report. */
  get lastFullRun(): VerifyRun | undefined {
    return this.lastWhole;
  }

  /**
   * Starts verifying one tier (or all), or joins the run under way for the same scope; a run
   * for another scope under way is refused.
   */
  start(tier: string | undefined, options: VerifyRunOptions = {}): VerifyRun {
    const scope = tier ?? null;
    if (this.current?.state === 'running') {
      if (this.current.tier === scope) return this.current;
      throw new InvalidInputError(
        `A verification of ${this.current.tier ?? 'every tier'} is under way: wait for it (cim storage verify follows it).`,
      );
    }
    if (tier !== undefined && !this.storage.tier(tier)) {
      throw new InvalidInputError(
        `There is no tier ${JSON.stringify(tier)}: choose one of ${this.storage.tiers.map((t) => t.name).join(', ')}.`,
      );
    }
    const scoped = tier === undefined ? this.storage.tiers : [this.storage.tier(tier)!];
    const known = scoped.map((t) => this.storage.lastStatus.get(t.name)?.objects);
    const run: VerifyRun = {
      tier: scope,
      kind: options.kind ?? 'verify',
      state: 'running',
      checked: 0,
      expected: known.every((n) => typeof n === 'number')
        ? (known as number[]).reduce((a, b) => a + b, 0)
        : null,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      report: null,
      error: null,
    };
    this.current = run;
    void this.execute(tier, run, options).then(
      (report) => {
        run.report = report;
        run.finishedAt = new Date().toISOString();
        run.state = 'done';
        if (run.tier === null) this.lastWhole = run;
        this.logOutcome(run, report);
      },
      (err: unknown) => {
        run.error = toCimError(err).message;
        run.finishedAt = new Date().toISOString();
        run.state = 'failed';
        this.logger.warn({ err: run.error, kind: run.kind }, 'storage verification failed');
      },
    );
    return run;
  }

  private async execute(
    tier: string | undefined,
    run: VerifyRun,
    options: VerifyRunOptions,
  ): Promise<VerifyReport> {
    // The inventory reads the history, which may itself be damaged (an archived segment in a
    // corrupted tier): the copies the tiers list are still verified, and name the damage.
    const expected = await this.inventory?.().catch((err: unknown) => {
      this.logger.error(
        { err: toCimError(err).message, kind: run.kind },
        'the history could not be read to know what should be stored: verifying what the tiers list',
      );
      return undefined;
    });
    return this.storage.verify(tier, {
      ...(expected !== undefined && { expected }),
      ...(options.presenceOnly !== undefined && { presenceOnly: options.presenceOnly }),
      repair: options.repair ?? false,
      onProgress: (checked) => {
        run.checked = checked;
      },
    });
  }

  private logOutcome(run: VerifyRun, report: VerifyReport): void {
    const repaired = report.faults.filter((f) => f.repairedFrom !== undefined).length;
    const summary = {
      kind: run.kind,
      tier: run.tier,
      checked: run.checked,
      expected: report.expected,
      faults: report.faults.length,
      repaired,
      lost: report.lost.length,
    };
    if (report.lost.length > 0 || report.faults.length > repaired) {
      this.logger.error(
        summary,
        `storage ${run.kind}: ${report.faults.length} fault(s), ${repaired} repaired, ${report.lost.length} content(s) lost`,
      );
    } else if (report.faults.length > 0) {
      this.logger.warn(summary, `storage ${run.kind}: ${repaired} fault(s) found and repaired`);
    } else this.logger.info(summary, `storage ${run.kind}: no fault`);
  }

  /** Resolves when the run under way (if any) has ended. */
  async settled(): Promise<void> {
    while (this.current?.state === 'running') await new Promise((r) => setTimeout(r, 50));
  }
}
