import { z } from 'zod';
import { NotFoundError, UnavailableError } from '../../core/errors.js';
import { parsePipeline, validatePipeline } from '../../pipeline/definition.js';
import type { PipelineCommandResult } from '../../pipeline/pipeline-service.js';
import type { OperationContext, PipelinesContext } from '../operation.js';
import {
  backfillStartedSchema,
  pipelineCommandReplySchema,
  pipelineDetailSchema,
  pipelineListSchema,
  pipelineStatusSchema,
  pluginListSchema,
  retryReportSchema,
} from '../schemas/pipelines.js';
import { actorOf, defineOperation } from '../operation.js';

/** How long a command waits for the read model to show its effect. */
const READ_YOUR_WRITES_MS = 5_000;

/** The pipeline services, or a clear error where the pipeline component does not run. */
function pipelinesOf(ctx: OperationContext): PipelinesContext {
  if (!ctx.pipelines)
    throw new UnavailableError(
      'The pipeline component does not run in this process: start it with cim up or cim serve --component pipeline.',
    );
  return ctx.pipelines;
}

/** Waits (bounded) until the read model holds the command's event, then returns the pipeline. */
async function settled(pipelines: PipelinesContext, result: PipelineCommandResult) {
  if (result.position > 0) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      pipelines.runner.waitFor(result.position),
      new Promise((resolve) => (timer = setTimeout(resolve, READ_YOUR_WRITES_MS))),
    ]);
    clearTimeout(timer);
  }
  return { ...result, pipeline: pipelines.catalog.get(result.name) ?? null };
}

const pipelineName = z.string().min(1).max(64);

/** `POST /api/pipelines`: applies a definition (YAML/JSON text, or a JSON object). */
export const applyPipeline = defineOperation({
  component: 'pipeline',
  name: 'apply',
  summary: 'Apply a pipeline definition: a new version unless it is unchanged.',
  access: 'writer',
  http: { method: 'POST', path: '/api/pipelines', status: 200 },
  input: z.union([
    z.object({
      text: z
        .string()
        .min(1)
        .max(1024 * 1024),
      fileName: z.string().min(1).max(1024).default('pipeline'),
    }),
    z.object({ definition: z.record(z.string(), z.unknown()) }),
  ]),
  output: pipelineCommandReplySchema,
  async handle(input, ctx, call) {
    const pipelines = pipelinesOf(ctx);
    const definition =
      'text' in input
        ? parsePipeline(input.text, input.fileName)
        : validatePipeline(input.definition, 'definition');
    return settled(pipelines, await pipelines.service.apply(definition, actorOf(call)));
  },
});

/** `GET /api/pipelines`: every pipeline with its state. */
export const listPipelines = defineOperation({
  component: 'pipeline',
  name: 'list',
  summary: 'Every pipeline, its current definition and state.',
  access: 'reader',
  http: { method: 'GET', path: '/api/pipelines' },
  input: z.object({}),
  output: pipelineListSchema,
  async handle(_input, ctx) {
    return { pipelines: pipelinesOf(ctx).catalog.list() };
  },
});

/** `GET /api/pipelines/{name}`: one pipeline with the history of its definition. */
export const showPipeline = defineOperation({
  component: 'pipeline',
  name: 'show',
  summary: 'One pipeline, its definition and the history of its versions.',
  access: 'reader',
  http: { method: 'GET', path: '/api/pipelines/:name' },
  input: z.object({ name: pipelineName }),
  output: pipelineDetailSchema,
  async handle({ name }, ctx) {
    return { pipeline: definitionOf(pipelinesOf(ctx), name) };
  },
});

/** `POST /api/pipelines/{name}/pause`: stops taking new work. */
export const pausePipeline = defineOperation({
  component: 'pipeline',
  name: 'pause',
  summary: 'Pause a pipeline: no new work starts; what is in flight finishes.',
  access: 'writer',
  http: { method: 'POST', path: '/api/pipelines/:name/pause', status: 200 },
  input: z.object({ name: pipelineName, reason: z.string().min(1).max(1000).optional() }),
  output: pipelineCommandReplySchema,
  async handle({ name, reason }, ctx, call) {
    const pipelines = pipelinesOf(ctx);
    return settled(pipelines, await pipelines.service.pause(name, reason ?? null, actorOf(call)));
  },
});

/** `POST /api/pipelines/{name}/resume`: takes work again. */
export const resumePipeline = defineOperation({
  component: 'pipeline',
  name: 'resume',
  summary: 'Resume a paused pipeline.',
  access: 'writer',
  http: { method: 'POST', path: '/api/pipelines/:name/resume', status: 200 },
  input: z.object({ name: pipelineName }),
  output: pipelineCommandReplySchema,
  async handle({ name }, ctx, call) {
    const pipelines = pipelinesOf(ctx);
    return settled(pipelines, await pipelines.service.resume(name, actorOf(call)));
  },
});

/**
 * `GET /api/plugins`: plugins loaded by the pipeline component (and those refused, with why), and
 * the plugin services in the registry.
 */
export const listPlugins = defineOperation({
  component: 'pipeline',
  name: 'plugins',
  summary: 'Plugins loaded and refused, and plugin services running, with their capabilities.',
  access: 'reader',
  http: { method: 'GET', path: '/api/plugins' },
  input: z.object({}),
  output: pluginListSchema,
  async handle(_input, ctx) {
    const services = await ctx.registry.list();
    return {
      plugins: pipelinesOf(ctx).plugins.list(),
      services: services.filter((s) => s.kind === 'plugin-service'),
    };
  },
});

/** The pipeline by name, or a not-found error naming it. */
function definitionOf(pipelines: PipelinesContext, name: string) {
  const pipeline = pipelines.catalog.get(name);
  if (!pipeline)
    throw new NotFoundError(
      `There is no pipeline ${JSON.stringify(name)}: cim pipeline ls lists them.`,
    );
  return pipeline;
}

/** `GET /api/pipelines/{name}/status`: state, counters, backlog and the dead-letter list. */
export const pipelineStatus = defineOperation({
  component: 'pipeline',
  name: 'status',
  summary: 'A pipeline’s state, work done and waiting, and its dead letters.',
  access: 'reader',
  http: { method: 'GET', path: '/api/pipelines/:name/status' },
  input: z.object({ name: pipelineName }),
  output: pipelineStatusSchema,
  async handle({ name }, ctx) {
    const pipelines = pipelinesOf(ctx);
    const pipeline = definitionOf(pipelines, name);
    return {
      name,
      state: pipeline.state,
      version: pipeline.version,
      counters: pipelines.engine.countersOf(name),
      backlog: (await pipelines.engine.backlog(name)) ?? null,
      deadLetters: await pipelines.engine.deadLetters(name),
      backfill: pipelines.engine.backfillProgress(name) ?? null,
    };
  },
});

/**
 * `POST /api/pipelines/{name}/run` with `{"backfill": true}`: starts running the pipeline over
 * every unit already ingested, in the background (or joins the backfill already running), and
 * answers at once with its progress; `GET /api/pipelines/{name}/status` follows it.
 */
export const runPipeline = defineOperation({
  component: 'pipeline',
  name: 'run',
  summary: 'Backfill: start running the pipeline over every unit already ingested.',
  access: 'writer',
  http: { method: 'POST', path: '/api/pipelines/:name/run', status: 202 },
  input: z.object({ name: pipelineName, backfill: z.literal(true) }),
  output: backfillStartedSchema,
  async handle({ name }, ctx) {
    const pipelines = pipelinesOf(ctx);
    const pipeline = definitionOf(pipelines, name);
    return { name, backfill: await pipelines.engine.startBackfill(pipeline.definition) };
  },
});

/** `POST /api/pipelines/{name}/retry`: runs the dead letters again. */
export const retryPipeline = defineOperation({
  component: 'pipeline',
  name: 'retry',
  summary: 'Run the pipeline’s dead letters again; those that complete leave the list.',
  access: 'writer',
  http: { method: 'POST', path: '/api/pipelines/:name/retry', status: 200 },
  input: z.object({ name: pipelineName }),
  output: retryReportSchema,
  async handle({ name }, ctx) {
    const pipelines = pipelinesOf(ctx);
    const pipeline = definitionOf(pipelines, name);
    return { name, ...(await pipelines.engine.retryDeadLetters(pipeline.definition)) };
  },
});
