import { dagCborCid } from '../core/cid.js';
import { NotFoundError, VersionConflictError } from '../core/errors.js';
import type { EventDraft, EventStore } from '../events/event-store.js';
import type { PipelineDefinition } from './definition.js';
import { PipelineCatalog } from './pipeline-catalog.js';
import type { PipelineSummary } from './pipeline-catalog.js';
import { PipelineApplied, PipelinePaused, PipelineResumed } from '../core/catalogue/pipelines.js';
import type { PipelineAppliedData, PipelineStateData } from '../core/catalogue/pipelines.js';
import { PIPELINE_AGGREGATE, PIPELINES_DOMAIN } from './pipeline-events.js';

/** What a command on a pipeline did. */
export interface PipelineCommandResult {
  readonly name: string;
  /** `unchanged` when the pipeline already was as asked (no event recorded). */
  readonly outcome: 'created' | 'updated' | 'unchanged' | 'paused' | 'resumed';
  readonly version: number;
  readonly definitionCid: string;
  /** Stream position of the recorded event (0 when nothing was recorded). */
  readonly position: number;
}

const ATTEMPTS = 5;

/** What a command decided to record, and the definition the pipeline has after it. */
interface PipelineDecision {
  readonly draft: EventDraft;
  readonly definitionCid: string;
  readonly outcome: PipelineCommandResult['outcome'];
}

/**
 * Commands on pipeline definitions, each recorded as an event on `pipelines.Pipeline.<name>` so
 * a pipeline's whole history is kept. The pipeline's events are read to decide, and the append
 * carries their version: the server refuses it if another command came in between, and the
 * command is decided again.
 */
export class PipelineService {
  constructor(private readonly events: EventStore) {}

  /** Records a definition as the pipeline's new version, unless it equals the current one. */
  async apply(definition: PipelineDefinition, actor?: string): Promise<PipelineCommandResult> {
    const definitionCid = dagCborCid(definition);
    return this.decide(definition.name, actor, (current) => {
      if (current?.definitionCid === definitionCid) return undefined;
      const data: PipelineAppliedData = { definition, definitionCid };
      return {
        draft: PipelineApplied.draft(data),
        definitionCid,
        outcome: current ? 'updated' : 'created',
      };
    });
  }

  /** Stops the pipeline taking new work. */
  async pause(name: string, reason: string | null, actor?: string) {
    return this.changeState(name, 'paused', reason, actor);
  }

  /** Lets a paused pipeline take work again. */
  async resume(name: string, actor?: string) {
    return this.changeState(name, 'running', null, actor);
  }

  private changeState(
    name: string,
    state: 'running' | 'paused',
    reason: string | null,
    actor: string | undefined,
  ): Promise<PipelineCommandResult> {
    return this.decide(name, actor, (current) => {
      if (!current) throw missing(name);
      if (current.state === state) return undefined;
      const data: PipelineStateData = { reason };
      const { definitionCid } = current;
      return state === 'paused'
        ? { draft: PipelinePaused.draft(data), definitionCid, outcome: 'paused' }
        : { draft: PipelineResumed.draft(data), definitionCid, outcome: 'resumed' };
    });
  }

  /** The pipeline as its own events say, read from the store (not the read model). */
  async current(name: string): Promise<PipelineSummary | undefined> {
    const fold = new PipelineCatalog();
    for (const event of await this.events.readAggregate(ref(name))) fold.handle(event);
    return fold.get(name);
  }

  private async decide(
    name: string,
    actor: string | undefined,
    command: (current: PipelineSummary | undefined) => PipelineDecision | undefined,
  ): Promise<PipelineCommandResult> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.current(name);
      const decision = command(current);
      if (decision === undefined) {
        return {
          name,
          outcome: 'unchanged',
          version: current?.version ?? 0,
          definitionCid: current?.definitionCid ?? '',
          position: 0,
        };
      }
      try {
        const result = await this.events.append(ref(name), [decision.draft], {
          expectedVersion: current?.version ?? 0,
          ...(actor !== undefined ? { actor } : {}),
        });
        return {
          name,
          outcome: decision.outcome,
          version: result.version,
          definitionCid: decision.definitionCid,
          position: result.events[0]!.position,
        };
      } catch (err) {
        if (!(err instanceof VersionConflictError) || attempt >= ATTEMPTS) throw err;
      }
    }
  }
}

function ref(name: string) {
  return { domain: PIPELINES_DOMAIN, aggregate: PIPELINE_AGGREGATE, aggregateId: name };
}

function missing(name: string): NotFoundError {
  return new NotFoundError(
    `There is no pipeline ${JSON.stringify(name)}: apply its definition first (cim pipeline apply FILE).`,
  );
}
