import type { JsonValue } from '../core/envelope.js';
import { dagCborCid } from '../core/cid.js';
import { NotFoundError, VersionConflictError } from '../core/errors.js';
import type { EventStore } from '../events/event-store.js';
import type { PipelineDefinition } from './definition.js';
import { PipelineCatalog } from './pipeline-catalog.js';
import type { PipelineSummary } from './pipeline-catalog.js';
import type { PipelineAppliedData, PipelineStateData } from './pipeline-events.js';
import {
  PIPELINE_AGGREGATE,
  PIPELINE_APPLIED,
  PIPELINE_PAUSED,
  PIPELINE_RESUMED,
  PIPELINES_DOMAIN,
} from './pipeline-events.js';

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
        type: PIPELINE_APPLIED,
        data: data as unknown as JsonValue,
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
      return state === 'paused'
        ? { type: PIPELINE_PAUSED, data: data as unknown as JsonValue, outcome: 'paused' }
        : { type: PIPELINE_RESUMED, data: data as unknown as JsonValue, outcome: 'resumed' };
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
    command: (
      current: PipelineSummary | undefined,
    ) => { type: string; data: JsonValue; outcome: PipelineCommandResult['outcome'] } | undefined,
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
        const result = await this.events.append(
          ref(name),
          [{ type: decision.type, data: decision.data }],
          { expectedVersion: current?.version ?? 0, ...(actor !== undefined ? { actor } : {}) },
        );
        const definitionCid =
          decision.type === PIPELINE_APPLIED
            ? (decision.data as unknown as PipelineAppliedData).definitionCid
            : current!.definitionCid;
        return {
          name,
          outcome: decision.outcome,
          version: result.version,
          definitionCid,
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
