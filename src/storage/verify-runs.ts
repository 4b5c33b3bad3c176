import type { Logger } from 'pino';
import { InvalidInputError, toCimError } from '../core/errors.js';
import type { StorageManager } from './storage-manager.js';
import type { VerifyReport } from './tier-verify.js';

/** One run of `cim storage verify`, as `GET /api/storage/verify` reports it. */
export interface VerifyRun {
  /** The tier verified, or null for every tier. */
  readonly tier: string | null;
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

  constructor(
    private readonly storage: StorageManager,
    private readonly logger: Logger,
  ) {}

  /** The latest run since start, if any. */
  get lastRun(): VerifyRun | undefined {
    return this.current;
  }

  /**
   * Starts verifying one tier (or all), or joins the run under way for the same scope; a run
   * for another scope under way is refused.
   */
  start(tier: string | undefined): VerifyRun {
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
    void this.storage
      .verify(tier, (checked) => {
        run.checked = checked;
      })
      .then(
        (report) => {
          run.report = report;
          run.finishedAt = new Date().toISOString();
          run.state = 'done';
        },
        (err: unknown) => {
          run.error = toCimError(err).message;
          run.finishedAt = new Date().toISOString();
          run.state = 'failed';
          this.logger.warn({ err: run.error }, 'storage verification failed');
        },
      );
    return run;
  }

  /** Resolves when the run under way (if any) has ended. */
  async settled(): Promise<void> {
    while (this.current?.state === 'running') await new Promise((r) => setTimeout(r, 50));
  }
}
