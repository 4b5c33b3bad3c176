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
 * records no start.
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

/** A step has its result: computed now, or reused from an earlier run with the same key. */
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
