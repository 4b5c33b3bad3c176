/**
 * Aggregate type of one pipeline's run over one unit: `pipelines.Run.<pipeline>_<unitCid>`
 * (events: `StepStarted`, `StepCompleted`, `StepFailed`).
 */
export const RUN_AGGREGATE = 'Run';

/** The aggregate id of a run: pipeline names hold no `_`, so the split is unambiguous. */
export function runId(pipeline: string, unitCid: string): string {
  return `${pipeline}_${unitCid}`;
}
