/** Aggregate type of one pipeline's run over one unit: `pipelines.Run.<pipeline>_<unitCid>`. */
export const RUN_AGGREGATE = 'Run';

/** A step began computing (a reused result records no start). */
export const STEP_STARTED = 'StepStarted';
/** A step has its result: computed now, or reused from an earlier run with the same key. */
export const STEP_COMPLETED = 'StepCompleted';
/** A step failed; `final` when no retry follows and the unit went to the dead-letter list. */
export const STEP_FAILED = 'StepFailed';

/** The aggregate id of a run: pipeline names hold no `_`, so the split is unambiguous. */
export function runId(pipeline: string, unitCid: string): string {
  return `${pipeline}_${unitCid}`;
}

/** What a completed step produced, kept in the results bucket under its step key. */
export interface StepResult {
  /** `name@version` of the processor that computed it. */
  readonly processor: string;
  readonly derived: readonly {
    readonly unitCid: string;
    readonly contentCid: string;
    readonly name: string;
    readonly mediaType: string;
  }[];
  readonly tags: readonly string[];
  readonly relations: readonly { readonly type: string; readonly target: string }[];
  /** Content CID of the text the step extracted, or null. */
  readonly textCid: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly completedAt: string;
}

/** Data of {@link STEP_STARTED}. */
export interface StepStartedData {
  readonly pipeline: string;
  readonly step: string;
  readonly processor: string;
  readonly stepKey: string;
  readonly unitCid: string;
  readonly attempt: number;
}

/** Data of {@link STEP_COMPLETED}. */
export interface StepCompletedData {
  readonly pipeline: string;
  readonly step: string;
  readonly stepKey: string;
  readonly unitCid: string;
  readonly reused: boolean;
  readonly result: StepResult;
}

/** Data of {@link STEP_FAILED}. */
export interface StepFailedData {
  readonly pipeline: string;
  readonly step: string;
  readonly stepKey: string;
  readonly unitCid: string;
  readonly attempt: number;
  readonly final: boolean;
  readonly error: string;
}
