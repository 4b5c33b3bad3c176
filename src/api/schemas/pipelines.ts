import { z } from 'zod';
import { registeredComponentSchema } from './components.js';
import { named } from './registry.js';

/** One step of a pipeline's DAG: a processor run with parameters after other steps. */
export const pipelineStepSchema = named(
  'PipelineStep',
  z.object({
    id: z.string(),
    processor: z.string(),
    /** Semver range the processor's version must satisfy; absent accepts any. */
    version: z.string().optional(),
    params: z.record(z.string(), z.unknown()),
    after: z.array(z.string()),
  }),
);

/** A validated pipeline definition with every default applied. */
export const pipelineDefinitionSchema = named(
  'PipelineDefinition',
  z.object({
    name: z.string(),
    description: z.string().optional(),
    trigger: z.object({
      events: z.array(z.string()),
      mediaTypes: z.array(z.string()).optional(),
      tags: z.array(z.string()).optional(),
      contexts: z.array(z.string()).optional(),
      sources: z.array(z.string()).optional(),
    }),
    steps: z.array(pipelineStepSchema),
    concurrency: z.number().int(),
    retry: z.object({
      attempts: z.number().int(),
      backoffMs: z.number().int(),
      maxBackoffMs: z.number().int(),
    }),
  }),
);

/** A pipeline: its current definition, whether it runs, and the history of its versions. */
export const pipelineSchema = named(
  'Pipeline',
  z.object({
    name: z.string(),
    definition: pipelineDefinitionSchema,
    definitionCid: z.string(),
    state: z.enum(['running', 'paused']),
    version: z.number().int(),
    history: z.array(
      z.object({
        version: z.number().int(),
        definitionCid: z.string(),
        appliedAt: z.string(),
        actor: z.string(),
      }),
    ),
    updatedAt: z.string(),
    createdPosition: z.number().int(),
  }),
);

/** `GET /api/pipelines`. */
export const pipelineListSchema = named(
  'PipelineList',
  z.object({ pipelines: z.array(pipelineSchema) }),
);

/** `GET /api/pipelines/{name}`. */
export const pipelineDetailSchema = named('PipelineDetail', z.object({ pipeline: pipelineSchema }));

/** Apply, pause and resume: what the command did, and the pipeline once the read model shows it. */
export const pipelineCommandReplySchema = named(
  'PipelineCommandReply',
  z.object({
    name: z.string(),
    outcome: z.enum(['created', 'updated', 'unchanged', 'paused', 'resumed']),
    version: z.number().int(),
    definitionCid: z.string(),
    /** Stream position of the recorded event (0 when nothing was recorded). */
    position: z.number().int(),
    pipeline: pipelineSchema.nullable(),
  }),
);

/** A plugin loaded by the pipeline component, or refused (with why). */
export const pluginSchema = named(
  'Plugin',
  z.object({
    name: z.string(),
    version: z.string().nullable(),
    cimApi: z.string().nullable(),
    capabilities: z.array(z.string()),
    source: z.string(),
    status: z.enum(['loaded', 'refused']),
    error: z.string().nullable(),
  }),
);

/** `GET /api/plugins`: plugins of the pipeline component and plugin services in the registry. */
export const pluginListSchema = named(
  'PluginList',
  z.object({ plugins: z.array(pluginSchema), services: z.array(registeredComponentSchema) }),
);

/** A unit a pipeline gave up on, with why. */
export const deadLetterSchema = named(
  'DeadLetter',
  z.object({
    pipeline: z.string(),
    unitCid: z.string(),
    position: z.number().int(),
    step: z.string(),
    error: z.string(),
    attempts: z.number().int(),
    at: z.string(),
  }),
);

/** The summary of a backfill or of a retry of dead letters. */
export const batchReportSchema = named(
  'BatchReport',
  z.object({
    units: z.number().int(),
    completed: z.number().int(),
    deadLettered: z.number().int(),
    computedSteps: z.number().int(),
    reusedSteps: z.number().int(),
    seconds: z.number(),
  }),
);

/** A backfill running in the background. */
export const backfillProgressSchema = named(
  'BackfillProgress',
  z.object({
    state: z.enum(['running', 'done', 'failed']),
    startedAt: z.string(),
    position: z.number().int(),
    endPosition: z.number().int(),
    report: batchReportSchema,
    error: z.string().optional(),
  }),
);

/** `GET /api/pipelines/{name}/status`: state, counters since start, backlog, dead letters. */
export const pipelineStatusSchema = named(
  'PipelineStatus',
  z.object({
    name: z.string(),
    state: z.enum(['running', 'paused']),
    version: z.number().int(),
    counters: z.object({
      completed: z.number().int(),
      retried: z.number().int(),
      deadLettered: z.number().int(),
      computedSteps: z.number().int(),
      reusedSteps: z.number().int(),
      skipped: z.number().int(),
    }),
    /** Null when the pipeline's consumer could not be asked. */
    backlog: z.object({ pending: z.number().int(), inFlight: z.number().int() }).nullable(),
    deadLetters: z.array(deadLetterSchema),
    backfill: backfillProgressSchema.nullable(),
  }),
);

/** `POST /api/pipelines/{name}/run`: the backfill started (or joined). */
export const backfillStartedSchema = named(
  'BackfillStarted',
  z.object({ name: z.string(), backfill: backfillProgressSchema }),
);

/** `POST /api/pipelines/{name}/retry`: what running the dead letters again did. */
export const retryReportSchema = named(
  'RetryReport',
  batchReportSchema.extend({ name: z.string() }),
);

export type PipelineStep = z.infer<typeof pipelineStepSchema>;
export type PipelineDefinition = z.infer<typeof pipelineDefinitionSchema>;
export type Pipeline = z.infer<typeof pipelineSchema>;
export type PipelineList = z.infer<typeof pipelineListSchema>;
export type PipelineDetail = z.infer<typeof pipelineDetailSchema>;
export type PipelineCommandReply = z.infer<typeof pipelineCommandReplySchema>;
export type Plugin = z.infer<typeof pluginSchema>;
export type PluginList = z.infer<typeof pluginListSchema>;
export type DeadLetter = z.infer<typeof deadLetterSchema>;
export type BatchReport = z.infer<typeof batchReportSchema>;
export type BackfillProgress = z.infer<typeof backfillProgressSchema>;
export type PipelineStatus = z.infer<typeof pipelineStatusSchema>;
export type BackfillStarted = z.infer<typeof backfillStartedSchema>;
export type RetryReport = z.infer<typeof retryReportSchema>;
