import { readMarks } from '../../events/read-marks.js';
import type {
  AppendReply,
  EventPage,
  EventsVerifyReport,
  RecordedEventJson,
} from '../../api/schemas/index.js';
import { readFileSync } from 'node:fs';
import { parseArchiveState } from '../../core/catalogue/archive.js';
import { InvalidInputError, IntegrityError } from '../../core/errors.js';
import type { VerifyReport } from '../../events/verify.js';
import { verifyEvents } from '../../events/verify.js';
import { EVENT_ARCHIVE_REF } from '../../events/archived-history.js';
import { JetStreamEventStore } from '../../events/jetstream-event-store.js';
import { connectNats, envClientAuth } from '../../nats/connect.js';
import { callNode, nodeUrl } from '../client.js';
import { printJson } from '../output.js';
import { followEvents } from './follow.js';

function printEvent(e: RecordedEventJson, json: boolean | undefined): void {
  if (json) printJson(e);
  else {
    process.stdout.write(
      `${String(e.position).padStart(8)}  ${e.occurredAt}  ${e.domain}.${e.aggregate}.${e.aggregateId} v${e.version}  ${e.type}  ${JSON.stringify(e.data)}\n`,
    );
  }
}

function positiveInt(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new InvalidInputError(`${flag} must be a whole number ≥ 0, not ${JSON.stringify(text)}.`);
  return n;
}

/** `cim events tail`: events after a position (JSON lines with --json), then live with --follow. */
export async function tail(options: {
  url?: string;
  json?: boolean;
  follow?: boolean;
  after?: string;
  limit?: string;
}): Promise<void> {
  const base = nodeUrl(options.url);
  let after = positiveInt(options.after, '--after', 0);
  const limit = positiveInt(options.limit, '--limit', 100);
  let remaining = limit;
  while (remaining > 0) {
    const page = await callNode<EventPage>(
      base,
      `/api/events?after=${after}&limit=${Math.min(remaining, 1000)}`,
    );
    for (const e of page.events) printEvent(e, options.json);
    remaining -= page.events.length;
    after = page.next;
    if (page.events.length === 0) break;
  }
  if (options.follow) await followEvents(base, after, (e) => printEvent(e, options.json));
}

/** `cim events verify`: every CID and chain, through the node or directly on NATS with --nats. */
export async function verify(options: {
  url?: string;
  json?: boolean;
  nats?: string;
}): Promise<void> {
  let report: VerifyReport;
  if (options.nats !== undefined) {
    const nc = await connectNats(options.nats, {
      name: 'cim events verify',
      ...envClientAuth(),
    });
    try {
      const store = await JetStreamEventStore.open(nc, { maxEventBytes: 1_000_000 });
      const archived = await store.last(EVENT_ARCHIVE_REF);
      const state = archived ? parseArchiveState(archived) : undefined;
      const purged = state?.ok ? state.data.purgedThrough : 0;
      if (purged > 0) {
        throw new InvalidInputError(
          `Positions 1–${purged} were moved from the stream into the event archive, which --nats cannot read: verify through the node (drop --nats).`,
        );
      }
      report = await verifyEvents(store, {
        readMarks: await readMarks(nc),
        onProgress: (n) => {
          if (process.stderr.isTTY) process.stderr.write(`\rverified ${n} events…`);
        },
      });
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    } finally {
      await nc.close();
    }
  } else {
    report = await callNode<EventsVerifyReport>(nodeUrl(options.url), '/api/events/verify', {
      method: 'POST',
      body: {},
    });
  }
  if (options.json) printJson(report);
  else if (report.ok) {
    process.stdout.write(
      `Verified ${report.events} events in ${report.aggregates} aggregates: every CID and every chain is sound.\n`,
    );
  } else {
    for (const p of report.problems)
      process.stdout.write(`position ${p.position} ${p.subject}: ${p.kind}: ${p.detail}\n`);
  }
  if (!report.ok) {
    throw new IntegrityError(
      `${report.problemCount} problem(s) in ${report.events} events: the stream does not verify.`,
    );
  }
}

/** Reads `--data @FILE` (`@-` for stdin). */
function readDataFile(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new InvalidInputError(
      `--data @${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): check the path.`,
    );
  }
}

/** `cim events append`: append one event to an aggregate through the node. */
export async function append(options: {
  url?: string;
  json?: boolean;
  domain: string;
  aggregate: string;
  id: string;
  type: string;
  data?: string;
  expectedVersion?: string;
  eventId?: string;
}): Promise<void> {
  let data: unknown = {};
  if (options.data !== undefined) {
    const text = options.data.startsWith('@') ? readDataFile(options.data.slice(1)) : options.data;
    try {
      data = JSON.parse(text);
    } catch {
      throw new InvalidInputError(
        `--data is not valid JSON: quote it, for example --data '{"title":"x"}'.`,
      );
    }
  }
  const ev = options.expectedVersion;
  const expectedVersion =
    ev === undefined || ev === 'any' ? 'any' : positiveInt(ev, '--expected-version', 0);
  const result = await callNode<AppendReply>(nodeUrl(options.url), '/api/events', {
    method: 'POST',
    body: {
      domain: options.domain,
      aggregate: options.aggregate,
      aggregateId: options.id,
      expectedVersion,
      events: [
        {
          type: options.type,
          data,
          ...(options.eventId !== undefined ? { id: options.eventId } : {}),
        },
      ],
    },
  });
  if (options.json) printJson(result);
  else {
    const e = result.events[0]!;
    process.stdout.write(
      `${result.duplicate ? 'Already recorded' : 'Recorded'} ${e.type} as version ${e.version} at position ${e.position} (${e.cid}).\n`,
    );
  }
}
