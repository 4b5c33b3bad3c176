import type {
  ConnectorCommandReply,
  ConnectorInfo,
  ConnectorList,
  ConnectorRunReply,
} from '../../api/schemas/index.js';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { InvalidInputError } from '../../core/errors.js';
import { callNode, nodeUrl } from '../client.js';
import { printJson } from '../output.js';

interface ClientOptions {
  url?: string;
  json?: boolean;
}

const path = (name: string, action = '') =>
  `/api/connectors/${encodeURIComponent(name)}${action ? `/${action}` : ''}`;

function said(reply: ConnectorCommandReply): string {
  const state = reply.connector ? `, ${reply.connector.state}` : '';
  return `Connector ${reply.name} ${reply.outcome} (version ${reply.version}${state}).\n`;
}

/** One line of `cim connector ls`: name, kind, state (and stalled), last checkpoint, counts. */
function line(c: ConnectorInfo): string {
  const health = c.stalled ? 'STALLED' : c.state;
  const last = c.lastCompletedAt ?? 'never';
  const n = c.counts;
  return `${c.name.padEnd(20)} ${c.definition.kind.padEnd(8)} ${health.padEnd(10)} last poll ${last}  stored ${n.stored}, linked ${n.linked}, seen again ${n.seenAgain}, failed ${n.failed}, removed ${n.removed}${c.reason ? `  (${c.reason})` : ''}`;
}

/**
 * `cim connector apply FILE`: the node checks the definition against the kinds its hub has
 * (a plugin's kind is known only there) and records it; a bad one is refused naming the field.
 */
export async function apply(file: string, options: ClientOptions): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InvalidInputError(
      `The connector file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): check the path.`,
      { cause: err },
    );
  }
  const reply = await callNode<ConnectorCommandReply>(nodeUrl(options.url), '/api/connectors', {
    method: 'POST',
    body: { text, fileName: basename(file) },
  });
  if (options.json) return printJson(reply);
  process.stdout.write(said(reply));
}

/** `cim connector ls`. */
export async function ls(options: ClientOptions): Promise<void> {
  const { connectors } = await callNode<ConnectorList>(nodeUrl(options.url), '/api/connectors');
  if (options.json) return printJson({ connectors });
  if (connectors.length === 0)
    process.stdout.write('No connectors: add one with cim connector apply FILE.\n');
  for (const c of connectors) process.stdout.write(`${line(c)}\n`);
}

/** `cim connector show NAME` and `cim connector status NAME`. */
export async function show(name: string, options: ClientOptions): Promise<void> {
  const c = await callNode<ConnectorInfo>(nodeUrl(options.url), path(name));
  if (options.json) return printJson(c);
  process.stdout.write(`${line(c)}\n`);
  process.stdout.write(`definition: ${JSON.stringify(c.definition)}\n`);
  for (const cp of c.checkpoints.slice(-5))
    process.stdout.write(
      `checkpoint at position ${cp.position} (${cp.at}${cp.pollCompleted ? ', poll completed' : ''})\n`,
    );
  for (const d of c.deadLetters)
    process.stdout.write(`dead letter ${d.source}: ${d.reason} (${d.attempts} attempts)\n`);
}

async function command(
  name: string,
  action: string,
  body: Record<string, unknown>,
  options: ClientOptions,
): Promise<void> {
  const reply = await callNode<ConnectorCommandReply>(nodeUrl(options.url), path(name, action), {
    method: 'POST',
    body,
  });
  if (options.json) return printJson(reply);
  process.stdout.write(said(reply));
}

/** `cim connector pause NAME [--reason R]`. */
export async function pause(name: string, options: ClientOptions & { reason?: string }) {
  await command(name, 'pause', options.reason ? { reason: options.reason } : {}, options);
}

/** `cim connector resume NAME`. */
export async function resume(name: string, options: ClientOptions) {
  await command(name, 'resume', {}, options);
}

/** `cim connector rm NAME [--reason R]`. */
export async function rm(name: string, options: ClientOptions & { reason?: string }) {
  await command(name, 'remove', options.reason ? { reason: options.reason } : {}, options);
}

/** `cim connector rewind NAME --to POSITION [--reason R]`. */
export async function rewind(
  name: string,
  options: ClientOptions & { to: string; reason?: string },
) {
  const to = Number(options.to);
  if (!Number.isInteger(to) || to < 0)
    throw new InvalidInputError(
      `--to ${options.to} is not a stream position: give the position of a checkpoint (cim connector show ${name}).`,
    );
  await command(
    name,
    'rewind',
    { to, ...(options.reason ? { reason: options.reason } : {}) },
    options,
  );
}

/** `cim connector run NAME --now`. */
export async function run(name: string, options: ClientOptions & { now?: boolean }) {
  if (!options.now)
    throw new InvalidInputError(
      `cim connector run ${name} needs --now (a connector otherwise polls on its own schedule).`,
    );
  const reply = await callNode<ConnectorRunReply>(nodeUrl(options.url), path(name, 'run'), {
    method: 'POST',
    body: {},
  });
  if (options.json) return printJson(reply);
  process.stdout.write(
    reply.started
      ? `Connector ${name} polls now.\n`
      : `Connector ${name} is not running on this node's hub (paused, failed or removed?): see cim connector show ${name}.\n`,
  );
}
