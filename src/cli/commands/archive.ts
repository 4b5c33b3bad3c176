import type { ArchiveStarted, ArchiveState, ArchiveStatus } from '../../api/schemas/index.js';
import cliProgress from 'cli-progress';
import { InvalidInputError, UnavailableError } from '../../core/errors.js';
import { callNode, nodeUrl } from '../client.js';
import { printJson } from '../output.js';

interface ClientOptions {
  url?: string;
  json?: boolean;
}

const POLL_MS = 250;
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `30d`, `12h`, `90m`, `3600s` (or a bare number of seconds) as seconds. */
export function parseAge(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) {
    throw new InvalidInputError(
      `--older-than ${JSON.stringify(text)} is not an age: write a whole number with s, m, h or d, such as 30d.`,
    );
  }
  return Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1);
}

function wholeNumber(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new InvalidInputError(
      `${flag} must be a stream position ≥ 1, not ${JSON.stringify(text)}.`,
    );
  }
  return n;
}

function describe(archive: ArchiveState): string {
  if (archive.index === null) return 'The event archive is empty: nothing has been sealed yet.\n';
  return (
    `Sealed positions 1–${archive.sealedThrough}: ${archive.events} events in ${archive.segments} segments (${archive.bytes} bytes), index ${archive.index}.\n` +
    (archive.purgedThrough > 0
      ? `Positions 1–${archive.purgedThrough} are read from the archive; the stream keeps each aggregate's last event.\n`
      : 'Nothing has been purged from the stream.\n')
  );
}

/**
 * `cim events archive --to TIER [--through N] [--older-than AGE] [--purge]`: seals old events into
 * the archive in a tier and follows the run with a progress bar; `--status` shows the archive.
 */
export async function archive(
  options: ClientOptions & {
    to?: string;
    through?: string;
    olderThan?: string;
    purge?: boolean;
    status?: boolean;
  },
): Promise<void> {
  const base = nodeUrl(options.url);
  if (options.status) {
    const listing = await callNode<ArchiveStatus>(base, '/api/events/archive');
    if (options.json) return printJson(listing);
    process.stdout.write(describe(listing.archive));
    return;
  }
  if (options.to === undefined) {
    throw new InvalidInputError(
      'cim events archive needs --to TIER (the tier the archive goes to), or --status.',
    );
  }
  const before = await callNode<ArchiveStatus>(base, '/api/events/archive');
  let { run } = await callNode<ArchiveStarted>(base, '/api/events/archive', {
    method: 'POST',
    body: {
      to: options.to,
      purge: options.purge === true,
      ...(options.through !== undefined
        ? { through: wholeNumber(options.through, '--through') }
        : {}),
      ...(options.olderThan !== undefined ? { olderThanSeconds: parseAge(options.olderThan) } : {}),
    },
  });
  const bar =
    process.stderr.isTTY && !options.json
      ? new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: '{bar} {percentage}% | {events} events sealed, {purged} purged | {phase}',
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(1, 0, { events: 0, purged: 0, phase: run.phase });
  while (run.state === 'running') {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    run = (await callNode<ArchiveStatus>(base, '/api/events/archive')).run ?? run;
    bar?.setTotal(Math.max(1, run.through - before.archive.sealedThrough));
    bar?.update(run.events, { events: run.events, purged: run.purged, phase: run.phase });
  }
  bar?.stop();
  if (run.state === 'failed') {
    throw new UnavailableError(`The archive run stopped: ${run.error ?? 'see the node’s log'}`);
  }
  const after = await callNode<ArchiveStatus>(base, '/api/events/archive');
  if (options.json) return printJson(after);
  process.stdout.write(
    `Sealed ${run.events} events into ${run.segments} segments (${run.bytes} bytes) in tier ${options.to}` +
      (options.purge ? `; purged ${run.purged} messages from the stream.\n` : '.\n'),
  );
  process.stdout.write(describe(after.archive));
}
