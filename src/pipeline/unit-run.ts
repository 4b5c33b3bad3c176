import semver from 'semver';
import type { Logger } from 'pino';
import { dagCborCid } from '../core/cid.js';
import { StepCompleted, StepFailed, StepsCompleted } from '../core/catalogue/runs.js';
import type { StepFailedData, StepResult, StepsCompletedData } from '../core/catalogue/runs.js';
import type { RecordedEvent } from '../core/envelope.js';
import type { AggregateRef } from '../core/subjects.js';
import type { CimError } from '../core/errors.js';
import { UnavailableError, VersionConflictError } from '../core/errors.js';
import type { EventDraft, EventStore } from '../events/event-store.js';
import type { PluginSet } from '../plugins/plugin-registry.js';
import type { RemoteProcessors } from '../plugins/remote-processor.js';
import type { ProcessorPool } from './processor-pool.js';
import type { RunnableProcessor } from '../plugins/run-processor.js';
import { runProcessor } from '../plugins/run-processor.js';
import type { ContentStore } from '../storage/content-store.js';
import type { Unit } from '../units/unit.js';
import type { UnitService } from '../units/unit-service.js';
import { topologicalOrder } from './dag.js';
import type { PipelineDefinition, PipelineStep } from './definition.js';
import { PIPELINES_DOMAIN } from './pipeline-events.js';
import type { StepResultStore } from './step-results.js';
import { stepKey } from './step-key.js';
import { RUN_AGGREGATE, runId } from './run-events.js';
import { annotate, persist, readAll, upstreamText } from './step-output.js';

/** What running a unit through a pipeline needs. */
export interface UnitRunDeps {
  readonly events: EventStore;
  readonly content: ContentStore;
  readonly units: UnitService;
  readonly plugins: PluginSet;
  /** Processors of plugin services, for steps no in-process plugin serves. */
  readonly remote?: RemoteProcessors;
  /** Worker threads for in-process plugins' processors; without it they run on this thread. */
  readonly pool?: ProcessorPool;
  /** Units up to this size are processed on this thread even with a pool. */
  readonly inlineMaxBytes?: number;
  readonly results: StepResultStore;
  readonly logger: Logger;
  readonly processorTimeoutMs: number;
}

/** A unit to run: its CID and record (as its `UnitIngested` event holds them). */
export interface UnitToRun {
  readonly unitCid: string;
  readonly unit: Unit;
  /** The ingest's correlation id and the event that triggered the run, carried by its events. */
  readonly correlationId: string;
  readonly causationId: string;
}

/** How one run ended. `computed` steps ran a processor; `reused` took an earlier result. */
export type UnitRunOutcome =
  | { readonly status: 'completed'; readonly computed: number; readonly reused: number }
  | {
      readonly status: 'failed';
      readonly step: string;
      readonly error: CimError;
      readonly computed: number;
      readonly reused: number;
    };

/**
 * Runs one unit through a pipeline's steps in DAG order. The run is the aggregate
 * `pipelines.Run.<pipeline>_<unitCid>`: steps it already completed are skipped, so a redelivery
 * after a crash repeats nothing that was recorded. A step whose key (processor, version,
 * parameters, input) has a stored result reuses it without running the processor; a computed
 * result is stored under its key at once, so a crash before the run is recorded costs no
 * recomputation either. The attempt's steps are recorded as one `StepsCompleted` (followed by a
 * `StepFailed` when a step fails), appended with the run's expected version, so two deliveries of
 * the same unit cannot both record them. What the steps found about the unit (tags, text,
 * relations) is recorded as one `UnitAnnotated` just before.
 */
export async function runUnit(
  deps: UnitRunDeps,
  pipeline: PipelineDefinition,
  target: UnitToRun,
  attempt: number,
  lastAttempt: boolean,
): Promise<UnitRunOutcome> {
  const ref = {
    domain: PIPELINES_DOMAIN,
    aggregate: RUN_AGGREGATE,
    aggregateId: runId(pipeline.name, target.unitCid),
  };
  // A first delivery is almost always a new run: it starts without reading, and the server's
  // version check on its append says when the run has history after all.
  let history = attempt > 1 ? await deps.events.readAggregate(ref) : undefined;
  for (;;) {
    try {
      return await execute(deps, pipeline, target, ref, history, attempt, lastAttempt);
    } catch (err) {
      if (!(err instanceof VersionConflictError) || history) throw err;
      history = await deps.events.readAggregate(ref);
    }
  }
}

/** A step of the run with its processor and its key. */
interface PlannedStep {
  readonly step: PipelineStep;
  readonly found: RunnableProcessor;
  readonly key: string;
}

/** Step results by step key in a run's history, from both the old and the current events. */
function completedSteps(history: readonly RecordedEvent[]): Map<string, StepResult> {
  const done = new Map<string, StepResult>();
  for (const recorded of history) {
    if (StepsCompleted.is(recorded)) {
      for (const item of StepsCompleted.parse(recorded).steps) done.set(item.stepKey, item.result);
    } else if (StepCompleted.is(recorded)) {
      const data = StepCompleted.parse(recorded);
      done.set(data.stepKey, data.result);
    }
  }
  return done;
}

/** Every step in DAG order with its key; keys depend on earlier keys only, not on results. */
async function plan(deps: UnitRunDeps, pipeline: PipelineDefinition, target: UnitToRun) {
  const keys = new Map<string, string>();
  const planned: PlannedStep[] = [];
  for (const step of topologicalOrder(pipeline.steps)) {
    const found = await findProcessor(deps, step);
    const inputCid =
      step.after.length === 0
        ? target.unitCid
        : dagCborCid({ unit: target.unitCid, after: step.after.map((id) => keys.get(id)!) });
    const key = stepKey({
      processor: step.processor,
      version: found.definition.version,
      params: step.params,
      inputCid,
    });
    keys.set(step.id, key);
    planned.push({ step, found, key });
  }
  return planned;
}

async function execute(
  deps: UnitRunDeps,
  pipeline: PipelineDefinition,
  target: UnitToRun,
  ref: AggregateRef,
  known: readonly RecordedEvent[] | undefined,
  attempt: number,
  lastAttempt: boolean,
): Promise<UnitRunOutcome> {
  const steps = await plan(deps, pipeline, target);
  let history = known;
  let done = completedSteps(history ?? []);
  // Stored results of the steps the run has not recorded, looked up together.
  const lookUp = () =>
    Promise.all(steps.map((p) => (done.has(p.key) ? undefined : deps.results.get(p.key))));
  let cached = await lookUp();
  if (history === undefined && cached.every((result) => result !== undefined)) {
    // Every result is stored: most likely this run is recorded already (a second backfill).
    // Its history says so before anything is written twice.
    history = await deps.events.readAggregate(ref);
    done = completedSteps(history);
    cached = await lookUp();
  }
  let version = history?.at(-1)?.event.version ?? 0;
  const record = async (drafts: EventDraft[]) => {
    const result = await deps.events.append(ref, drafts, {
      expectedVersion: version,
      actor: `pipeline:${pipeline.name}`,
      correlationId: target.correlationId,
      causationId: target.causationId,
    });
    version = result.version;
  };
  // Every step that needs the bytes gets them from one read.
  let bytes: Promise<Uint8Array> | undefined;
  const content = () => (bytes ??= readAll(deps.content, target.unit.content));
  const results = new Map<string, StepResult>();
  const completed: StepsCompletedData['steps'][number][] = [];
  const stored: Promise<void>[] = [];
  let computed = 0;
  let reused = 0;
  /** Records what this attempt completed, with `failure` after it when a step failed. */
  const finish = async (failure?: EventDraft) => {
    const drafts: EventDraft[] = [];
    if (completed.length > 0) {
      if (failure === undefined) await annotate(deps, pipeline, target, results);
      drafts.push(
        StepsCompleted.draft({
          pipeline: pipeline.name,
          unitCid: target.unitCid,
          attempt,
          steps: completed,
        }),
      );
    }
    if (failure) drafts.push(failure);
    await Promise.all(stored);
    if (drafts.length > 0) await record(drafts);
  };
  for (const [index, { step, found, key }] of steps.entries()) {
    const previous = done.get(key);
    if (previous) {
      results.set(step.id, previous);
      reused++;
      continue;
    }
    const hit = cached[index];
    if (hit) {
      results.set(step.id, hit);
      completed.push({ step: step.id, stepKey: key, reused: true, result: hit });
      reused++;
      continue;
    }
    const processorLabel = `${step.processor}@${found.definition.version}`;
    const text = await upstreamText(deps.content, step, results);
    const unit = {
      unitCid: target.unitCid,
      contentCid: target.unit.content,
      mediaType: target.unit.mediaType,
      name: target.unit.name,
      size: target.unit.size,
      tags: target.unit.tags,
      context: target.unit.context,
      source: target.unit.source,
    };
    const run =
      deps.pool && found.plugin && target.unit.size > (deps.inlineMaxBytes ?? 0)
        ? await deps.pool.run(
            {
              processor: step.processor,
              unit,
              bytes: await content(),
              ...(text !== undefined ? { text } : {}),
              parameters: step.params,
              timeoutMs: deps.processorTimeoutMs,
            },
            processorLabel,
          )
        : await runProcessor(
            found,
            { unit, content, ...(text !== undefined ? { text } : {}), parameters: step.params },
            { logger: deps.logger },
            deps.processorTimeoutMs,
          );
    if (!run.ok) {
      const failed: StepFailedData = {
        pipeline: pipeline.name,
        step: step.id,
        stepKey: key,
        unitCid: target.unitCid,
        attempt,
        final: lastAttempt,
        error: run.error.message,
      };
      await finish(StepFailed.draft(failed));
      return { status: 'failed', step: step.id, error: run.error, computed, reused };
    }
    const result = await persist(deps, pipeline, step, target, processorLabel, run.output);
    const put = deps.results.put(key, result);
    // finish() awaits it; a run cut short by an exception before then (a read that timed out
    // during a failover) never does, and a put failing later must not go unhandled: that ends
    // the whole process.
    put.catch(() => undefined);
    stored.push(put);
    results.set(step.id, result);
    completed.push({ step: step.id, stepKey: key, reused: false, result });
    computed++;
  }
  await finish();
  return { status: 'completed', computed, reused };
}

/** The step's processor: from an in-process plugin, else from a running plugin service. */
async function findProcessor(deps: UnitRunDeps, step: PipelineStep): Promise<RunnableProcessor> {
  const found = deps.plugins.processor(step.processor) ?? (await deps.remote?.find(step.processor));
  if (!found) {
    throw new UnavailableError(
      `No loaded plugin or running plugin service provides the processor ${step.processor} (step ${step.id}): add the plugin to the config's plugins, start its service, or fix the step.`,
    );
  }
  if (step.version !== undefined && !semver.satisfies(found.definition.version, step.version)) {
    throw new UnavailableError(
      `Step ${step.id} needs ${step.processor} ${step.version}, but the loaded one is ${found.definition.version}: install a matching plugin release or change the step's version.`,
    );
  }
  return found;
}
