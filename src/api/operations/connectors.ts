import { z } from 'zod';
import { NotFoundError, UnavailableError } from '../../core/errors.js';
import { pluginKinds } from '../../hub/connector-kinds.js';
import type { ConnectorSummary } from '../../hub/connector-catalog.js';
import { isStalled } from '../../hub/connector-catalog.js';
import type { HubContext } from '../../hub/hub-context.js';
import type { ConnectorCommandResult } from '../../hub/hub-service.js';
import { parseConnector, validateConnector } from '../../hub/definition.js';
import type { OperationContext } from '../operation.js';
import { actorOf, defineOperation } from '../operation.js';
import {
  connectorCommandReplySchema,
  connectorListSchema,
  connectorRunReplySchema,
  connectorSchema,
} from '../schemas/connectors.js';
import type { ConnectorInfo } from '../schemas/connectors.js';

// The hub runs in the units component's process (it ingests through the units' services), so
// its operations are the units component's: a ui running alone asks that process over NATS.

/** How long a command waits for the read model to show its effect. */
const READ_YOUR_WRITES_MS = 5_000;

function hubOf(ctx: OperationContext): HubContext {
  if (!ctx.hub)
    throw new UnavailableError(
      'The hub does not run in this process: it runs with the units component (cim up, or cim serve --component units).',
    );
  return ctx.hub;
}

/** A connector as the API shows it: the read model's summary with its health now. */
function shown(summary: ConnectorSummary): ConnectorInfo {
  return {
    name: summary.name,
    definition: summary.definition,
    definitionCid: summary.definitionCid,
    state: summary.state,
    stalled: isStalled(summary, Date.now()),
    reason: summary.reason,
    code: summary.code,
    version: summary.version,
    updatedAt: summary.updatedAt,
    lastCheckpoint: summary.lastCheckpoint,
    lastCompletedAt: summary.lastCompletedAt,
    counts: summary.counts,
    consecutiveFailures: summary.consecutiveFailures,
    deadLetters: [...summary.deadLetters],
    checkpoints: [...summary.checkpoints],
  };
}

function connectorOf(hub: HubContext, name: string): ConnectorSummary {
  const found = hub.catalog.get(name);
  if (!found)
    throw new NotFoundError(
      `There is no connector ${JSON.stringify(name)}: apply its definition first (cim connector apply FILE).`,
    );
  return found;
}

/** Waits (bounded) until the read model holds the command's event, then returns the connector. */
async function settled(hub: HubContext, result: ConnectorCommandResult) {
  if (result.position > 0) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      hub.waitFor(result.position),
      new Promise((resolve) => (timer = setTimeout(resolve, READ_YOUR_WRITES_MS))),
    ]);
    clearTimeout(timer);
  }
  const summary = hub.catalog.get(result.name);
  return { ...result, connector: summary ? shown(summary) : null };
}

const connectorName = z.string().min(1).max(128);
const reason = z.string().min(1).max(1000).optional();

/** `POST /api/connectors`: applies a definition (YAML/JSON text, or a JSON object). */
export const applyConnector = defineOperation({
  component: 'units',
  name: 'connectors-apply',
  summary: 'Apply a connector definition: created, a new version, or unchanged.',
  access: 'writer',
  http: { method: 'POST', path: '/api/connectors', status: 200 },
  input: z.union([
    z.object({
      text: z
        .string()
        .min(1)
        .max(1024 * 1024),
      fileName: z.string().min(1).max(1024).default('connector'),
    }),
    z.object({ definition: z.record(z.string(), z.unknown()) }),
  ]),
  output: connectorCommandReplySchema,
  async handle(input, ctx, call) {
    const hub = hubOf(ctx);
    const kinds = pluginKinds(hub.plugins);
    const definition =
      'text' in input
        ? parseConnector(input.text, input.fileName, kinds)
        : validateConnector(input.definition, 'definition', kinds);
    return settled(hub, await hub.service.apply(definition, actorOf(call)));
  },
});

/** `GET /api/connectors`: every connector with its state and health. */
export const listConnectors = defineOperation({
  component: 'units',
  name: 'connectors-list',
  summary: 'Every connector, its state, health (stalled), last checkpoint and counts.',
  access: 'reader',
  http: { method: 'GET', path: '/api/connectors' },
  input: z.object({}),
  output: connectorListSchema,
  async handle(_input, ctx) {
    return { connectors: hubOf(ctx).catalog.list().map(shown) };
  },
});

/** `GET /api/connectors/{name}`: one connector, its recent checkpoints and dead letters. */
export const showConnector = defineOperation({
  component: 'units',
  name: 'connectors-show',
  summary: 'One connector: definition, state, health, checkpoints, counts and dead letters.',
  access: 'reader',
  http: { method: 'GET', path: '/api/connectors/:name' },
  input: z.object({ name: connectorName }),
  output: connectorSchema,
  async handle({ name }, ctx) {
    return shown(connectorOf(hubOf(ctx), name));
  },
});

/** `POST /api/connectors/{name}/pause`. */
export const pauseConnector = defineOperation({
  component: 'units',
  name: 'connectors-pause',
  summary: 'Pause a connector: it stops polling; its cursor stays where it is.',
  access: 'writer',
  http: { method: 'POST', path: '/api/connectors/:name/pause' },
  input: z.object({ name: connectorName, reason }),
  output: connectorCommandReplySchema,
  async handle({ name, reason }, ctx, call) {
    const hub = hubOf(ctx);
    return settled(hub, await hub.service.pause(name, reason ?? null, actorOf(call)));
  },
});

/** `POST /api/connectors/{name}/resume`. */
export const resumeConnector = defineOperation({
  component: 'units',
  name: 'connectors-resume',
  summary: 'Resume a paused or failed connector from its last checkpoint.',
  access: 'writer',
  http: { method: 'POST', path: '/api/connectors/:name/resume' },
  input: z.object({ name: connectorName }),
  output: connectorCommandReplySchema,
  async handle({ name }, ctx, call) {
    const hub = hubOf(ctx);
    return settled(hub, await hub.service.resume(name, actorOf(call)));
  },
});

/** `POST /api/connectors/{name}/remove`: it polls no more; what it brought in stays. */
export const removeConnector = defineOperation({
  component: 'units',
  name: 'connectors-remove',
  summary: 'Remove a connector: it polls no more; what it brought in stays.',
  access: 'writer',
  http: { method: 'POST', path: '/api/connectors/:name/remove' },
  input: z.object({ name: connectorName, reason }),
  output: connectorCommandReplySchema,
  async handle({ name, reason }, ctx, call) {
    const hub = hubOf(ctx);
    return settled(hub, await hub.service.remove(name, reason ?? null, actorOf(call)));
  },
});

/** `POST /api/connectors/{name}/rewind`: the next poll starts from an earlier checkpoint. */
export const rewindConnector = defineOperation({
  component: 'units',
  name: 'connectors-rewind',
  summary: 'Rewind a connector to one of its checkpoints (by stream position): an audited re-read.',
  access: 'writer',
  http: { method: 'POST', path: '/api/connectors/:name/rewind' },
  input: z.object({ name: connectorName, to: z.number().int().min(0), reason }),
  output: connectorCommandReplySchema,
  async handle({ name, to, reason }, ctx, call) {
    const hub = hubOf(ctx);
    return settled(hub, await hub.service.rewind(name, to, reason ?? null, actorOf(call)));
  },
});

/** `POST /api/connectors/{name}/run`: polls now instead of waiting for the schedule. */
export const runConnector = defineOperation({
  component: 'units',
  name: 'connectors-run',
  summary: 'Poll a connector now instead of at its next scheduled time.',
  access: 'writer',
  http: { method: 'POST', path: '/api/connectors/:name/run' },
  input: z.object({ name: connectorName }),
  output: connectorRunReplySchema,
  async handle({ name }, ctx) {
    const hub = hubOf(ctx);
    connectorOf(hub, name);
    return { name, started: hub.runNow(name) };
  },
});
