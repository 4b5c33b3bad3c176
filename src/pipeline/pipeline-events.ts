/**
 * Domain and aggregate type of pipeline definitions: `cim.events.pipelines.Pipeline.<name>`
 * (events: `PipelineApplied`, `PipelinePaused`, `PipelineResumed`).
 */
export const PIPELINES_DOMAIN = 'pipelines';
export const PIPELINE_AGGREGATE = 'Pipeline';
