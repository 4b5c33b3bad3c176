import type { PipelineDefinition } from './definition.js';

/** Domain and aggregate type of pipeline definitions: `cim.events.pipelines.Pipeline.<name>`. */
export const PIPELINES_DOMAIN = 'pipelines';
export const PIPELINE_AGGREGATE = 'Pipeline';

/** A definition was applied (a new version of the pipeline). */
export const PIPELINE_APPLIED = 'PipelineApplied';
/** The pipeline stopped taking new work; what is in flight finishes. */
export const PIPELINE_PAUSED = 'PipelinePaused';
/** The pipeline takes work again, from where it paused. */
export const PIPELINE_RESUMED = 'PipelineResumed';

/** Data of {@link PIPELINE_APPLIED}. */
export interface PipelineAppliedData {
  readonly definition: PipelineDefinition;
  /** DAG-CBOR CID of the definition: equal definitions are one version. */
  readonly definitionCid: string;
}

/** Data of {@link PIPELINE_PAUSED} and {@link PIPELINE_RESUMED}. */
export interface PipelineStateData {
  readonly reason: string | null;
}
