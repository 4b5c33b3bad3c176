import { z } from 'zod';
import { defineEvent } from '../event-type.js';
import type { EventData } from '../event-type.js';

/** What a completed step produced, kept in the results bucket under its step key. */
export const stepResultSchema = z.object({
  /** `name@version` of the processor that computed it. */
  processor: z.string(),
  derived: z.array(
    z.object({
      unitCid: z.string(),
      contentCid: z.string(),
      name: z.string(),
      mediaType: z.string(),
    }),
  ),
  tags: z.array(z.string()),
  relations: z.array(z.object({ type: z.string(), target: z.string() })),
  /** Content CID of the text the step extracted, or null. */
  textCid: z.string().nullable(),
  metadata: z.record(z.string(), z.json()),
  completedAt: z.string(),
});
export type StepResult = z.output<typeof stepResultSchema>;

/**
 * A step of a run (`pipelines.Run.<pipeline>_<unitCid>`) began computing; a reused result
 * recorded no start. Written until 2026-12-01; runs since record {@link StepsCompleted}.
 */
export const StepStarted = defineEvent(
  'StepStarted',
  z.object({
    pipeline: z.string(),
    step: z.string(),
    processor: z.string(),
    stepKey: z.string(),
    unitCid: z.string(),
    attempt: z.number().int(),
  }),
);
export type StepStartedData = EventData<typeof StepStarted>;

/**
 * A step has its result: computed now, or reused from an earlier run with the same key. Written
 * until 2026-12-01 (one per step); runs since record {@link StepsCompleted}, and both are read.
 */
export const StepCompleted = defineEvent(
  'StepCompleted',
  z.object({
    pipeline: z.string(),
    step: z.string(),
    stepKey: z.string(),
    unitCid: z.string(),
    reused: z.boolean(),
    result: stepResultSchema,
  }),
);
export type StepCompletedData = EventData<typeof StepCompleted>;

/**
 * Steps of a run have their results, computed in this attempt or reused from an earlier run
 * with the same key, in the order they ran: recorded once per attempt (with a `StepFailed` after
 * it when a later step failed), since one event per step made a run's provenance most of what
 * the pipeline wrote per unit.
 */
export const StepsCompleted = defineEvent(
  'StepsCompleted',
  z.object({
    pipeline: z.string(),
    unitCid: z.string(),
    attempt: z.number().int(),
    steps: z
      .array(
        z.object({
          step: z.string(),
          stepKey: z.string(),
          reused: z.boolean(),
          result: stepResultSchema,
        }),
      )
      .min(1),
  }),
);
export type StepsCompletedData = EventData<typeof StepsCompleted>;

/** A step failed; `final` when no retry follows and the unit went to the dead-letter list. */
export const StepFailed = defineEvent(
  'StepFailed',
  z.object({
    pipeline: z.string(),
    step: z.string(),
    stepKey: z.string(),
    unitCid: z.string(),
    attempt: z.number().int(),
    final: z.boolean(),
    error: z.string(),
  }),
);
export type StepFailedData = EventData<typeof StepFailed>;
