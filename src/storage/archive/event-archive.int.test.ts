import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import * as dagCbor from '@ipld/dag-cbor';
import { jetstreamManager } from '@nats-io/jetstream';
import { contentCid } from '../../core/cid.js';
import { EVENTS_STREAM } from '../../core/subjects.js';
import type { EventArchiveState } from '../../events/archived-history.js';
import type { VerifyReport } from '../../events/verify.js';
import { connectNats } from '../../nats/connect.js';
import { runCim, startCimUp } from '../../testing/cli.js';
import type { CimUp } from '../../testing/cli.js';
import { s3TierOf, startTestS3 } from '../../testing/s3-harness.js';
import type { TestS3 } from '../../testing/s3-harness.js';
import type { ArchiveRun } from './event-archiver.js';
import { INDEX_FORMAT } from './archive-format.js';
import { crash } from '../../testing/processes.js';

let s3: TestS3;
let root: string;
let node: CimUp;
let config: string;
let env: NodeJS.ProcessEnv;
let units = 0;

interface ListedEvent {
  position: number;
  cid: string;
  domain: string;
  aggregate: string;
  aggregateId: string;
}
interface ArchiveListing {
  archive: EventArchiveState;
  run: ArchiveRun | null;
}

const url = () => node.ready.ui;
const start = () => startCimUp(['--data', join(root, 'node'), '--config', config], env);
const cim = (...args: string[]) => runCim([...args, '--url', url()]);
const getJson = async <T>(path: string): Promise<T> =>
  (await (await fetch(`${url()}${path}`)).json()) as T;
const subjectOf = (e: ListedEvent) => `cim.events.${e.domain}.${e.aggregate}.${e.aggregateId}`;

async function cimJson<T>(...args: string[]): Promise<T> {
  const result = await cim(...args, '--json');
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as T;
}

/** Every event through the API, paging from the start (archived positions included). */
async function allEvents(): Promise<ListedEvent[]> {
  const out: ListedEvent[] = [];
  for (let after = 0; ;) {
    const page = await getJson<{ events: ListedEvent[]; next: number }>(
      `/api/events?after=${after}&limit=1000`,
    );
    if (page.events.length === 0) return out;
    out.push(...page.events);
    after = page.next;
  }
}

async function streamMessages(): Promise<number> {
  const nc = await connectNats(node.ready.nats);
  try {
    return (await (await jetstreamManager(nc)).streams.info(EVENTS_STREAM)).state.messages;
  } finally {
    await nc.close();
  }
}

async function ingestNotes(count: number): Promise<void> {
  const folder = join(root, `notes-${units}`);
  mkdirSync(folder);
  for (let i = 0; i < count; i++) {
    writeFileSync(join(folder, `n${units + i}.txt`), `note ${units + i}: ${'words '.repeat(30)}\n`);
  }
  const ingested = await cim('ingest', folder, '--concurrency', '8');
  assert.equal(ingested.code, 0, ingested.stderr);
  units += count;
}

async function unitCount(): Promise<number> {
  let total = 0;
  for (let cursor: number | null = 0; cursor !== null;) {
    const page: { units: unknown[]; next: number | null } = await getJson(
      `/api/units?limit=500${cursor > 0 ? `&cursor=${cursor}` : ''}`,
    );
    total += page.units.length;
    cursor = page.next;
  }
  return total;
}

async function waitForUnits(expected: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (let count = await unitCount(); count !== expected; count = await unitCount()) {
    assert.ok(Date.now() < deadline, `the catalog shows ${count} units, not ${expected}`);
    await sleep(200);
  }
}

before(async () => {
  s3 = await startTestS3();
  root = mkdtempSync(join(tmpdir(), 'cim-archive-'));
  const cold = s3TierOf(s3, 'cold');
  config = join(root, 'cim.json');
  writeFileSync(config, JSON.stringify({ storage: { tiers: { cold: cold.tier } } }));
  env = cold.env;
  node = await start();
});

after(async () => {
  await node?.stop();
  await s3?.stop();
  rmSync(root, { recursive: true, force: true });
});

test(
  'old events are sealed into the cold tier and purged; history still reads, verifies and rebuilds',
  // 153 s measured with a core kept busy on a machine at load ~25: near the runner's 5-minute default.
  { timeout: 600_000 },
  async () => {
    await ingestNotes(300);
    const pipeline = fileURLToPath(
      new URL('../../../../examples/pipelines/documents.yaml', import.meta.url),
    );
    assert.equal((await cim('pipeline', 'apply', pipeline)).code, 0);
    assert.equal((await cim('pipeline', 'pause', 'documents')).code, 0);
    assert.equal((await cim('pipeline', 'resume', 'documents')).code, 0);
    const before = await allEvents();
    const sealed = before.length;
    const verified = await cimJson<VerifyReport>('events', 'verify');
    assert.equal(verified.events, sealed);

    const archived = await cimJson<ArchiveListing>('events', 'archive', '--to', 'cold', '--purge');
    assert.equal(archived.run?.state, 'done');
    assert.deepEqual(
      [
        archived.archive.sealedThrough,
        archived.archive.purgedThrough,
        archived.archive.purgeDoneThrough,
        archived.archive.events,
      ],
      [sealed, sealed, sealed, sealed],
    );
    // The stream keeps each aggregate's last event (heads, expected versions) and what came after:
    // the archive's own three events (sealed, readers switched, purge done).
    const subjects = new Set(before.map(subjectOf));
    assert.equal(await streamMessages(), subjects.size + 3);

    const afterwards = await allEvents();
    assert.deepEqual(afterwards.slice(0, sealed), before, 'every archived event reads back');
    assert.deepEqual(
      afterwards.map((e) => e.position),
      afterwards.map((_, i) => i + 1),
      'positions run without a gap',
    );
    const report = await cimJson<VerifyReport>('events', 'verify');
    assert.ok(report.ok, JSON.stringify(report.problems));
    assert.equal(report.events, sealed + 3);
    const direct = await runCim(['events', 'verify', '--nats', node.ready.nats]);
    assert.equal(direct.code, 2);
    assert.match(direct.stderr, /moved from the stream into the event archive.*drop --nats/);

    // Reading one aggregate walks back from its head in the stream into the archive.
    const paused = await cimJson<{ outcome: string }>('pipeline', 'pause', 'documents');
    assert.equal(paused.outcome, 'paused');

    // The index is a documented DAG-CBOR object any S3 client can fetch and check.
    const object = await s3.client().send(
      new GetObjectCommand({
        Bucket: s3.config.bucket,
        Key: `${s3.config.prefix}content/${archived.archive.index}`,
      }),
    );
    const bytes = await object.Body!.transformToByteArray();
    assert.equal(contentCid(bytes).toString(), archived.archive.index);
    const index = dagCbor.decode(bytes) as {
      format: string;
      previous: unknown;
      segments: { first: number; last: number }[];
    };
    assert.equal(index.format, INDEX_FORMAT);
    assert.equal(index.previous, null);
    assert.equal(index.segments[0]!.first, 1);
    assert.equal(index.segments.at(-1)!.last, sealed);

    // A catalog rebuilt from nothing replays the archive, then the stream.
    await node.stop();
    rmSync(join(root, 'node', 'read-models'), { recursive: true, force: true });
    node = await start();
    await waitForUnits(units);
    const status = await cim('events', 'archive', '--status');
    assert.match(status.stdout, new RegExp(`Sealed positions 1–${sealed}: ${sealed} events`));
  },
);

test('a corrupted archive segment is found by storage verify and refused by events verify', async () => {
  const { archive } = await getJson<ArchiveListing>('/api/events/archive');
  const indexObject = await s3.client().send(
    new GetObjectCommand({
      Bucket: s3.config.bucket,
      Key: `${s3.config.prefix}content/${archive.index}`,
    }),
  );
  const index = dagCbor.decode(await indexObject.Body!.transformToByteArray()) as {
    segments: { cid: { toString(): string } }[];
  };
  const segment = index.segments[0]!.cid.toString();
  const key = `${s3.config.prefix}content/${segment}`;
  const original = await (
    await s3.client().send(new GetObjectCommand({ Bucket: s3.config.bucket, Key: key }))
  ).Body!.transformToByteArray();
  const flipped = Buffer.from(original);
  flipped[100] = flipped[100]! ^ 0xff;
  const put = (body: Uint8Array) =>
    s3.client().send(
      new PutObjectCommand({
        Bucket: s3.config.bucket,
        Key: key,
        Body: body,
        Metadata: { sha256: createHash('sha256').update(original).digest('hex') },
      }),
    );
  await put(flipped);
  try {
    const storage = await cim('storage', 'verify', '--tier', 'cold', '--json');
    assert.equal(storage.code, 1);
    assert.ok(storage.stdout.includes(segment), 'storage verify names the segment');
    const events = await cim('events', 'verify');
    assert.notEqual(events.code, 0);
    assert.match(events.stderr, new RegExp(segment));
  } finally {
    await put(original);
  }
  const healed = await cim('events', 'verify');
  assert.equal(healed.code, 0, healed.stderr + healed.stdout);
});

test(
  'kill -9 in the middle of an archive run: the next run finishes it and nothing is lost',
  // 186 s measured with a core kept busy on a machine at load ~25: near the runner's 5-minute default.
  { timeout: 600_000 },
  async () => {
    await ingestNotes(3_000);
    const before = await allEvents();
    const response = await fetch(`${url()}/api/events/archive`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'cold', purge: true }),
    });
    assert.equal(response.status, 202);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { run } = await getJson<ArchiveListing>('/api/events/archive');
      assert.equal(run?.state, 'running', 'the run was still going when the node was killed');
      if (run.phase === 'purging' && run.purged > 0) break;
      assert.ok(Date.now() < deadline, 'the run never reached its purge');
      await sleep(10);
    }
    await crash(node);
    node = await start();
    // The pipeline paused in the first test is still paused: its Paused event is archived.
    const { pipeline } = await getJson<{ pipeline: { state: string } }>('/api/pipelines/documents');
    assert.equal(pipeline.state, 'paused');

    const resumed = await cimJson<ArchiveListing>('events', 'archive', '--to', 'cold', '--purge');
    assert.equal(resumed.archive.purgeDoneThrough, resumed.archive.sealedThrough);
    assert.ok(resumed.archive.sealedThrough >= before.length);
    const afterwards = await allEvents();
    assert.deepEqual(afterwards.slice(0, before.length), before, 'every event reads back');
    assert.deepEqual(
      afterwards.map((e) => e.position),
      afterwards.map((_, i) => i + 1),
    );
    const report = await cimJson<VerifyReport>('events', 'verify');
    assert.ok(report.ok, JSON.stringify(report.problems));
    assert.equal(report.events, afterwards.length);
    const subjects = new Set(
      afterwards.filter((e) => e.position <= resumed.archive.sealedThrough).map(subjectOf),
    );
    const newer = afterwards.filter((e) => e.position > resumed.archive.sealedThrough).length;
    assert.equal(await streamMessages(), subjects.size + newer);
    await waitForUnits(units);
  },
);
