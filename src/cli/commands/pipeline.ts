import type {
  BackfillStarted,
  PipelineCommandReply,
  PipelineDetail,
  PipelineList,
  PipelineStatus,
  RetryReport,
} from '../../api/schemas/index.js';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import cliProgress from 'cli-progress';
import { InvalidInputError, UnavailableError } from '../../core/errors.js';
import { parsePipeline } from '../../pipeline/definition.js';
import { callNode, nodeUrl } from '../client.js';
import { printJson } from '../output.js';

interface ClientOptions {
  url?: string;
  json?: boolean;
}

function said(reply: PipelineCommandReply): string {
  const what = {
    created: 'created',
    updated: 'updated',
    unchanged: 'unchanged',
    paused: 'paused',
    resumed: 'resumed',
  }[reply.outcome];
  return `Pipeline ${reply.name} ${what} (version ${reply.version}${reply.pipeline ? `, ${reply.pipeline.state}` : ''}).\n`;
}

/** `cim pipeline apply FILE`: checks the definition here, then records it on the node. */
export async function apply(file: string, options: ClientOptions): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InvalidInputError(
      `The pipeline file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): check the path.`,
      { cause: err },
    );
  }
  // Checked before sending, so a bad file is refused with its field named even without a node.
  parsePipeline(text, basename(file));
  const reply = await callNode<PipelineCommandReply>(nodeUrl(options.url), '/api/pipelines', {
    method: 'POST',
    body: { text, fileName: basename(file) },
  });
  if (options.json) return printJson(reply);
  process.stdout.write(said(reply));
}

/** `cim pipeline ls`: every pipeline and its state. */
export async function ls(options: ClientOptions): Promise<void> {
  const { pipelines } = await callNode<PipelineList>(nodeUrl(options.url), '/api/pipelines');
  if (options.json) return printJson({ pipelines });
  if (pipelines.length === 0) {
    process.stdout.write('No pipeline yet: apply one with cim pipeline apply FILE.\n');
    return;
  }
  for (const p of pipelines) {
    const steps = p.definition.steps.map((s) => s.id).join(' → ');
    process.stdout.write(
      `${p.name.padEnd(20)} ${p.state.padEnd(8)} v${String(p.version).padEnd(4)} ${steps}\n`,
    );
  }
}

/** `cim pipeline show NAME`: the definition and its history. */
export async function show(name: string, options: ClientOptions): Promise<void> {
  const { pipeline } = await callNode<PipelineDetail>(
    nodeUrl(options.url),
    `/api/pipelines/${encodeURIComponent(name)}`,
  );
  if (options.json) return printJson({ pipeline });
  const d = pipeline.definition;
  const lines = [
    `${pipeline.name}: ${pipeline.state}, version ${pipeline.version}${d.description ? ` — ${d.description}` : ''}`,
    `  trigger: ${d.trigger.events.join(', ')}${d.trigger.mediaTypes ? ` on ${d.trigger.mediaTypes.join(', ')}` : ''}`,
    ...d.steps.map(
      (s) =>
        `  step ${s.id}: ${s.processor}${s.version ? `@${s.version}` : ''}${s.after.length > 0 ? ` after ${s.after.join(', ')}` : ''}`,
    ),
    `  concurrency ${d.concurrency}, ${d.retry.attempts} attempts`,
    '  history:',
    ...pipeline.history.map(
      (h) => `    v${h.version} ${h.appliedAt} ${h.definitionCid} by ${h.actor}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** `cim pipeline pause NAME`. */
export async function pause(
  name: string,
  options: ClientOptions & { reason?: string },
): Promise<void> {
  const reply = await callNode<PipelineCommandReply>(
    nodeUrl(options.url),
    `/api/pipelines/${encodeURIComponent(name)}/pause`,
    { method: 'POST', body: options.reason !== undefined ? { reason: options.reason } : {} },
  );
  if (options.json) return printJson(reply);
  process.stdout.write(said(reply));
}

/** `cim pipeline resume NAME`. */
export async function resume(name: string, options: ClientOptions): Promise<void> {
  const reply = await callNode<PipelineCommandReply>(
    nodeUrl(options.url),
    `/api/pipelines/${encodeURIComponent(name)}/resume`,
    { method: 'POST', body: {} },
  );
  if (options.json) return printJson(reply);
  process.stdout.write(said(reply));
}

function batchLine(what: string, r: RetryReport): string {
  return `${what} ${r.name}: ${r.units} units in ${r.seconds.toFixed(1)} s — ${r.completed} completed, ${r.deadLettered} dead-lettered; ${r.computedSteps} steps computed, ${r.reusedSteps} reused.\n`;
}

/** How often a running backfill's progress is asked for. */
const POLL_MS = 500;

/**
 * `cim pipeline run NAME --backfill`: starts running every existing unit through the pipeline
 * on the node, follows its progress (a bar on a terminal) and prints the summary when it ends.
 * Interrupting the command does not stop the backfill.
 */
export async function run(
  name: string,
  options: ClientOptions & { backfill?: boolean },
): Promise<void> {
  if (!options.backfill) {
    throw new InvalidInputError(
      'cim pipeline run needs --backfill (new units run by themselves): run cim pipeline run NAME --backfill.',
    );
  }
  const base = nodeUrl(options.url);
  const path = `/api/pipelines/${encodeURIComponent(name)}`;
  let { backfill } = await callNode<BackfillStarted>(base, `${path}/run`, {
    method: 'POST',
    body: { backfill: true },
  });
  const bar =
    process.stderr.isTTY && !options.json
      ? new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: '{bar} {percentage}% | ETA {eta_formatted} | {units} units, {completed} done',
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(Math.max(1, backfill.endPosition), 0, { units: 0, completed: 0 });
  while (backfill.state === 'running') {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const status = await callNode<PipelineStatus>(base, `${path}/status`);
    if (!status.backfill)
      throw new UnavailableError(
        `The node no longer knows the backfill of ${name} (did it restart?): see cim pipeline status ${name}.`,
      );
    backfill = status.backfill;
    bar?.update(backfill.position, {
      units: backfill.report.units,
      completed: backfill.report.completed,
    });
  }
  bar?.stop();
  if (backfill.state === 'failed') {
    throw new UnavailableError(
      `The backfill of ${name} stopped: ${backfill.error ?? 'see the node’s log'}.`,
    );
  }
  const reply: RetryReport = { name, ...backfill.report };
  if (options.json) return printJson(reply);
  process.stdout.write(batchLine('Backfilled', reply));
}

/** `cim pipeline retry NAME`: runs the dead letters again. */
export async function retry(name: string, options: ClientOptions): Promise<void> {
  const reply = await callNode<RetryReport>(
    nodeUrl(options.url),
    `/api/pipelines/${encodeURIComponent(name)}/retry`,
    { method: 'POST', body: {} },
  );
  if (options.json) return printJson(reply);
  process.stdout.write(batchLine('Retried', reply));
}

/** `cim pipeline status NAME`: state, counters, backlog and dead letters. */
export async function status(name: string, options: ClientOptions): Promise<void> {
  const reply = await callNode<PipelineStatus>(
    nodeUrl(options.url),
    `/api/pipelines/${encodeURIComponent(name)}/status`,
  );
  if (options.json) return printJson(reply);
  const c = reply.counters;
  const lines = [
    `${reply.name}: ${reply.state}, version ${reply.version}`,
    `  since start: ${c['completed']} completed, ${c['retried']} retried, ${c['deadLettered']} dead-lettered; ${c['computedSteps']} steps computed, ${c['reusedSteps']} reused`,
    reply.backlog
      ? `  waiting: ${reply.backlog.pending}, in flight: ${reply.backlog.inFlight}`
      : '  waiting: unknown (no consumer yet)',
    `  dead letters: ${reply.deadLetters.length}${reply.deadLetters.length > 0 ? ' (cim pipeline retry NAME runs them again)' : ''}`,
    ...reply.deadLetters.map(
      (d) => `    ${d.unitCid} step ${d.step} after ${d.attempts} attempts: ${d.error}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
