import type { Logger } from 'pino';
import { StoragePolicyApplied } from '../core/catalogue/storage.js';
import { toCimError } from '../core/errors.js';
import type { EventStore } from '../events/event-store.js';
import type { PolicyUnit, StoragePolicy } from './policy.js';
import { needsLastRead, ruleApplies } from './policy.js';
import { POLICY_AGGREGATE, STORAGE_DOMAIN } from './storage-events.js';
import type { StorageManager } from './storage-manager.js';

/** A unit as the runner walks them: its content and what rules look at. */
export interface PolicyCandidate extends PolicyUnit {
  readonly content: string;
  readonly position: number;
}

/** Where the runner finds units: pages in position order (the catalog). */
export interface UnitSource {
  scan(afterPosition: number, limit: number): readonly PolicyCandidate[];
}

/** One policy run, as status shows it. */
export interface PolicyRun {
  readonly policy: string;
  state: 'running' | 'done' | 'failed';
  readonly startedAt: string;
  finishedAt?: string;
  /** Units looked at, contents moved, and moves that failed after their retries. */
  examined: number;
  moved: number;
  failed: number;
  lastError?: string;
}

const PAGE = 200;
/** Moves at once within a batch. */
const CONCURRENCY = 4;
/** A failed move is tried again this many times, waiting 1, 2, 4, 8 s: an S3 server restarting. */
const ATTEMPTS = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Lifecycle policies: recorded as `StoragePolicyApplied` events on `storage.Policy.<name>`, and
 * run over every unit in bounded batches. A run is safe to repeat at any point: a move looks
 * where the content is before it copies, and frees the source only after the copy was verified
 * and recorded, so a run cut short by a crash or an unreachable tier is finished by the next
 * one (the node runs every policy when it starts and every `intervalMs` after).
 */
export class PolicyRunner {
  private readonly runs = new Map<string, PolicyRun>();
  private readonly policies = new Map<string, StoragePolicy>();
  private timer: NodeJS.Timeout | undefined;
  private readonly active = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly storage: StorageManager,
    private readonly events: EventStore,
    private readonly units: UnitSource,
    private readonly logger: Logger,
    private readonly lastRead: (cid: string) => Promise<number | undefined> = () =>
      Promise.resolve(undefined),
  ) {}

  /** The name of an applied policy asking for rehydration on read, if any. */
  rehydratingPolicy(): string | undefined {
    for (const policy of this.policies.values()) if (policy.rehydrate) return policy.name;
    return undefined;
  }

  /** Loads the recorded policies, runs them once, then every `intervalMs`. */
  async start(intervalMs: number): Promise<void> {
    for (let after = 0; ;) {
      const page = await this.events.readAll({
        after,
        limit: 500,
        filter: { domain: STORAGE_DOMAIN, aggregate: POLICY_AGGREGATE },
      });
      if (page.length === 0) break;
      for (const recorded of page) {
        const parsed = StoragePolicyApplied.safeParse(recorded);
        // One malformed policy must not keep the others from running (or the node from starting).
        if (parsed.ok) this.policies.set(parsed.data.name, parsed.data);
        else this.logger.error({ err: parsed.error }, 'malformed policy event passed over');
      }
      after = page[page.length - 1]!.position;
    }
    const runAll = () => {
      for (const policy of this.policies.values()) this.run(policy);
    };
    runAll();
    this.timer = setInterval(runAll, intervalMs).unref();
  }

  /** Records a policy as its new version (by `actor`) and starts a run of it. */
  async apply(policy: StoragePolicy, actor = 'storage'): Promise<PolicyRun> {
    await this.events.append(
      { domain: STORAGE_DOMAIN, aggregate: POLICY_AGGREGATE, aggregateId: policy.name },
      [StoragePolicyApplied.draft(policy)],
      { expectedVersion: 'any', actor },
    );
    this.policies.set(policy.name, policy);
    return this.run(policy);
  }

  /** Every policy with its latest run. */
  list(): { policy: StoragePolicy; run: PolicyRun | null }[] {
    return [...this.policies.values()].map((policy) => ({
      policy,
      run: this.runs.get(policy.name) ?? null,
    }));
  }

  /** Starts a run unless one of the same policy is running, which is returned instead. */
  private run(policy: StoragePolicy): PolicyRun {
    const current = this.runs.get(policy.name);
    if (current?.state === 'running') return current;
    const run: PolicyRun = {
      policy: policy.name,
      state: 'running',
      startedAt: new Date().toISOString(),
      examined: 0,
      moved: 0,
      failed: 0,
    };
    this.runs.set(policy.name, run);
    const done: Promise<void> = this.execute(policy, run).then(
      () => {
        run.state = 'done';
        run.finishedAt = new Date().toISOString();
        this.logger.info({ ...run }, 'storage policy run finished');
      },
      (err: unknown) => {
        run.state = 'failed';
        run.finishedAt = new Date().toISOString();
        run.lastError = toCimError(err).message;
        this.logger.error({ err, policy: policy.name }, 'storage policy run failed');
      },
    );
    this.active.add(done);
    void done.finally(() => this.active.delete(done));
    return run;
  }

  private async execute(policy: StoragePolicy, run: PolicyRun): Promise<void> {
    const now = Date.now();
    for (let after = 0; !this.stopped;) {
      const page = this.units.scan(after, PAGE);
      if (page.length === 0) return;
      after = page[page.length - 1]!.position;
      const queue = [...page];
      const worker = async () => {
        for (let unit = queue.shift(); unit && !this.stopped; unit = queue.shift()) {
          run.examined++;
          let candidate: PolicyCandidate = unit;
          if (needsLastRead(policy)) {
            try {
              candidate = { ...unit, lastReadAt: await this.lastRead(unit.content) };
            } catch (err) {
              // Without its last read the unit is left where it is, and the run goes on.
              run.failed++;
              run.lastError = toCimError(err).message;
              continue;
            }
          }
          await this.applyRules(policy, run, candidate, now);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    }
  }

  /** Applies the policy's rules in order to one unit's content; a fault stays with the unit. */
  private async applyRules(
    policy: StoragePolicy,
    run: PolicyRun,
    unit: PolicyCandidate,
    now: number,
  ): Promise<void> {
    for (const rule of policy.rules) {
      if (!ruleApplies(rule, unit, now)) continue;
      for (let attempt = 1; ; attempt++) {
        try {
          // A content not in `from` (already moved, or shared with a unit seen before) is a
          // value, not an error: the move itself looks, once.
          const outcome = await this.storage.move(unit.content, rule.to, {
            from: rule.from,
            keep: rule.keepCopy,
            policy: policy.name,
          });
          if (outcome.status === 'moved') run.moved++;
          break;
        } catch (err) {
          const message = toCimError(err).message;
          if (attempt >= ATTEMPTS || this.stopped) {
            run.failed++;
            run.lastError = message;
            this.logger.warn(
              { policy: policy.name, cid: unit.content, err: message },
              'move failed',
            );
            return;
          }
          await sleep(1000 * 2 ** (attempt - 1));
        }
      }
    }
  }

  /** Stops starting new moves and waits for the moves under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.active]);
  }
}
