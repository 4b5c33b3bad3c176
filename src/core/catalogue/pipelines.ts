import { z } from 'zod';
import { defineEvent } from '../event-type.js';
import type { EventData } from '../event-type.js';

/** What starts a pipeline for a unit. Absent filters match anything. */
const triggerSchema = z.object({
  /** Event types that start it, e.g. `UnitIngested`. */
  events: z.array(z.string()),
  /** Globs on the unit's media type (`text/*`); it must match one. */
  mediaTypes: z.array(z.string()).exactOptional(),
  /** The unit must carry all of these tags. */
  tags: z.array(z.string()).exactOptional(),
  /** The unit's context must be one of these. */
  contexts: z.array(z.string()).exactOptional(),
  /** Globs on the unit's source (`file:///home/*`); it must match one. */
  sources: z.array(z.string()).exactOptional(),
});

/** One node of the pipeline DAG: a processor run with parameters after other steps. */
const stepSchema = z.object({
  id: z.string(),
  /** Processor name; a component offers it as the capability `processor:<name>`. */
  processor: z.string(),
  /** Semver range the processor's version must satisfy; absent accepts any version. */
  version: z.string().exactOptional(),
  params: z.record(z.string(), z.json()),
  /** Ids of the steps whose results this one needs (the DAG edges); empty for a root. */
  after: z.array(z.string()),
});

/** How a failed step is retried: exponential backoff from `backoffMs`, capped at `maxBackoffMs`. */
const retrySchema = z.object({
  /** Total attempts, the first included; 1 means no retry. */
  attempts: z.number().int(),
  backoffMs: z.number(),
  maxBackoffMs: z.number(),
});

/**
 * A pipeline definition as recorded, every default applied. Authored definitions are checked
 * by the stricter schema of src/pipeline/definition.ts, whose result has this type.
 */
export const pipelineDefinitionSchema = z.object({
  name: z.string(),
  description: z.string().exactOptional(),
  trigger: triggerSchema,
  steps: z.array(stepSchema),
  /** Most units in flight through this pipeline at once. */
  concurrency: z.number().int(),
  retry: retrySchema,
});

export type PipelineDefinition = z.output<typeof pipelineDefinitionSchema>;
export type PipelineTrigger = z.output<typeof triggerSchema>;
export type PipelineStep = z.output<typeof stepSchema>;
export type RetryPolicy = z.output<typeof retrySchema>;

/** A definition was applied on `pipelines.Pipeline.<name>` (a new version of the pipeline). */
export const PipelineApplied = defineEvent(
  'PipelineApplied',
  z.object({
    definition: pipelineDefinitionSchema,
    /** DAG-CBOR CID of the definition: equal definitions are one version. */
    definitionCid: z.string(),
  }),
);
export type PipelineAppliedData = EventData<typeof PipelineApplied>;

const stateSchema = z.object({ reason: z.string().nullable() });

/** The pipeline stopped taking new work; what is in flight finishes. */
export const PipelinePaused = defineEvent('PipelinePaused', stateSchema);
/** The pipeline takes work again, from where it paused. */
export const PipelineResumed = defineEvent('PipelineResumed', stateSchema);
/** Data of {@link PipelinePaused} and {@link PipelineResumed}. */
export type PipelineStateData = EventData<typeof PipelinePaused>;
