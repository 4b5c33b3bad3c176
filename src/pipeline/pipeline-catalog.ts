import type { RecordedEvent } from '../core/envelope.js';
import type { Projection } from '../events/projection.js';
import type { PipelineDefinition } from './definition.js';
import { PipelineApplied, PipelinePaused, PipelineResumed } from '../core/catalogue/pipelines.js';
import { PIPELINE_AGGREGATE, PIPELINES_DOMAIN } from './pipeline-events.js';

/** One version of a pipeline's definition, as its history lists it. */
export interface PipelineVersion {
  readonly version: number;
  readonly definitionCid: string;
  readonly appliedAt: string;
  readonly actor: string;
}

/** A pipeline as listed: its current definition, whether it runs, and its history. */
export interface PipelineSummary {
  readonly name: string;
  readonly definition: PipelineDefinition;
  readonly definitionCid: string;
  readonly state: 'running' | 'paused';
  /** Version of the pipeline aggregate (every apply, pause and resume counts). */
  readonly version: number;
  readonly history: readonly PipelineVersion[];
  readonly updatedAt: string;
  /** Stream position of its first definition: it runs on units ingested after it. */
  readonly createdPosition: number;
}

/**
 * The pipelines read model, kept in memory: pipelines are few and their events short, so it is
 * rebuilt from the event stream at every start instead of being stored.
 */
export class PipelineCatalog implements Projection {
  readonly name = 'pipelines';
  readonly filter = { domain: PIPELINES_DOMAIN, aggregate: PIPELINE_AGGREGATE };
  private readonly pipelines = new Map<string, PipelineSummary>();
  private readonly listeners: ((name: string) => void)[] = [];

  /** Calls `listener` with a pipeline's name each time it changes. */
  onChange(listener: (name: string) => void): void {
    this.listeners.push(listener);
  }

  handle(recorded: RecordedEvent): void {
    const { event } = recorded;
    const name = event.aggregateId;
    const current = this.pipelines.get(name);
    if (PipelineApplied.is(recorded)) {
      const data = PipelineApplied.parse(recorded);
      this.pipelines.set(name, {
        name,
        definition: data.definition,
        definitionCid: data.definitionCid,
        state: current?.state ?? 'running',
        version: event.version,
        history: [
          ...(current?.history ?? []),
          {
            version: event.version,
            definitionCid: data.definitionCid,
            appliedAt: event.occurredAt,
            actor: event.actor,
          },
        ],
        updatedAt: event.occurredAt,
        createdPosition: current?.createdPosition ?? recorded.position,
      });
    } else if (current && (PipelinePaused.is(recorded) || PipelineResumed.is(recorded))) {
      const paused = PipelinePaused.is(recorded);
      // The reason is not kept, but a malformed event is still reported as one.
      (paused ? PipelinePaused : PipelineResumed).parse(recorded);
      this.pipelines.set(name, {
        ...current,
        state: paused ? 'paused' : 'running',
        version: event.version,
        updatedAt: event.occurredAt,
      });
    } else return;
    for (const listener of this.listeners) listener(name);
  }

  reset(): void {
    this.pipelines.clear();
  }

  /** Every pipeline, by name. */
  list(): PipelineSummary[] {
    return [...this.pipelines.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** One pipeline, or undefined when none has that name. */
  get(name: string): PipelineSummary | undefined {
    return this.pipelines.get(name);
  }
}
