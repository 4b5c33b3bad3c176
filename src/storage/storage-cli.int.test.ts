import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import { s3TierOf, startTestS3 } from '../testing/s3-harness.js';
import type { TestS3 } from '../testing/s3-harness.js';
import type { IngestLine } from '../cli/commands/ingest-upload.js';
import type { TierStatus } from './storage-manager.js';
import type { VerifyReport } from './tier-verify.js';
import type { VerifyRun } from './verify-runs.js';

let s3: TestS3;
let root: string;
let node: CimUp;
let url: string;
let lines: IngestLine[];
const bytesByCid = new Map<string, Buffer>();

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

async function cim(...args: string[]) {
  return runCim([...args, '--url', url]);
}

async function cimJson<T>(...args: string[]): Promise<T> {
  const result = await cim(...args, '--json');
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as T;
}

async function tiersOf(cid: string): Promise<string[]> {
  const response = await fetch(`${url}/api/storage/content/${cid}`);
  return ((await response.json()) as { tiers: string[] }).tiers;
}

before(async () => {
  s3 = await startTestS3();
  root = mkdtempSync(join(tmpdir(), 'cim-storage-'));
  const warm = s3TierOf(s3);
  const config = join(root, 'cim.json');
  writeFileSync(
    config,
    JSON.stringify({
      storage: {
        tiers: {
          warm: warm.tier,
          cold: { kind: 'folder', path: join(root, 'cold') },
        },
      },
    }),
  );
  node = await startCimUp(['--data', join(root, 'node'), '--config', config], warm.env);
  url = node.ready.ui;
  const files = join(root, 'files');
  mkdirSync(files);
  for (let i = 0; i < 12; i++) {
    const bytes = Buffer.concat([Buffer.from(`file ${i}\n`), randomBytes(2000 + i * 5000)]);
    writeFileSync(join(files, `f${i}.bin`), bytes);
  }
  const ingested = await runCim(['ingest', files, '--json', '--url', url]);
  assert.equal(ingested.code, 0, ingested.stderr);
  lines = ingested.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as IngestLine);
  for (const line of lines) {
    bytesByCid.set(
      line.contentCid!,
      Buffer.from(await (await fetch(`${url}/api/units/${line.unitCid}/content`)).arrayBuffer()),
    );
  }
});

after(async () => {
  await node?.stop();
  await s3?.stop();
  rmSync(root, { recursive: true, force: true });
});

test('content moves hot → warm → cold, reads back byte-exact from wherever it is, and status follows', async () => {
  const before = await cimJson<{ tiers: TierStatus[] }>('storage', 'status');
  const hotBefore = before.tiers.find((t) => t.name === 'hot')!;
  const moved = lines.slice(0, 8);
  for (const line of moved) {
    const result = await cim('storage', 'tier', line.contentCid!, '--to', 'warm');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /moved .* hot → warm, verified/);
  }
  for (const line of moved.slice(0, 4)) {
    const outcome = await cimJson<{ status: string; from: string }>(
      'storage',
      'tier',
      line.contentCid!,
      '--to',
      'cold',
    );
    assert.deepEqual([outcome.status, outcome.from], ['moved', 'warm']);
  }
  for (const [i, line] of lines.entries()) {
    const where = i < 4 ? 'cold' : i < 8 ? 'warm' : 'hot';
    assert.deepEqual(await tiersOf(line.contentCid!), [where], line.path);
    const original = bytesByCid.get(line.contentCid!)!;
    const viaHttp = Buffer.from(
      await (await fetch(`${url}/api/units/${line.unitCid}/content`)).arrayBuffer(),
    );
    assert.equal(sha256(viaHttp), sha256(original), `HTTP read of ${where} content`);
    const cat = await runCim(['units', 'cat', line.unitCid!, '--url', url], {});
    assert.equal(cat.code, 0, cat.stderr);
  }
  const afterMoves = await cimJson<{ tiers: TierStatus[] }>('storage', 'status');
  const count = (name: string) => afterMoves.tiers.find((t) => t.name === name)!;
  assert.equal(count('hot').objects, hotBefore.objects! - 8);
  assert.ok(count('hot').bytes! < hotBefore.bytes!, 'the hot tier holds fewer bytes');
  assert.equal(count('warm').objects, 4);
  assert.equal(count('cold').objects, 4);
  assert.deepEqual(
    ['hot', 'warm', 'cold'].map((t) => count(t).units),
    [hotBefore.units! - 8, 4, 4],
    'units counted where their content is',
  );

  const { events } = (await (
    await fetch(`${url}/api/events?after=0&limit=1000&domain=storage`)
  ).json()) as { events: { type: string; data: { from: string; to: string; cid: string } }[] };
  const tiered = events.filter((e) => e.type === 'ContentTiered');
  assert.equal(tiered.length, 12, 'one ContentTiered per move');
});

test('another S3 client finds each object at <prefix>content/<cid>, its sha256 the CID digest', async () => {
  const line = lines[5]!;
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const got = await s3.client().send(
    new GetObjectCommand({
      Bucket: s3.config.bucket,
      Key: `${s3.config.prefix}content/${line.contentCid}`,
    }),
  );
  const body = Buffer.from(await got.Body!.transformToByteArray());
  assert.equal(sha256(body), sha256(bytesByCid.get(line.contentCid!)!));
  assert.equal(got.Metadata?.['sha256'], sha256(body));
});

test('a corrupted warm copy is found by verify, and a read falls back to an intact copy', async () => {
  const line = lines[6]!;
  const cid = line.contentCid!;
  const copied = await cimJson<{ status: string; kept: boolean }>(
    'storage',
    'tier',
    cid,
    '--to',
    'cold',
    '--keep',
  );
  assert.deepEqual([copied.status, copied.kept], ['moved', true]);
  assert.deepEqual(await tiersOf(cid), ['warm', 'cold']);
  const original = bytesByCid.get(cid)!;
  const flipped = Buffer.from(original);
  flipped[10] = flipped[10]! ^ 0xff;
  await s3.client().send(
    new PutObjectCommand({
      Bucket: s3.config.bucket,
      Key: `${s3.config.prefix}content/${cid}`,
      Body: flipped,
      Metadata: { sha256: sha256(original) },
    }),
  );

  const verify = await cim('storage', 'verify', '--tier', 'warm', '--json');
  assert.equal(verify.code, 1, 'verify fails when a fault is found');
  const report = JSON.parse(verify.stdout) as VerifyReport;
  assert.equal(report.faults.length, 1);
  assert.equal(report.faults[0]!.cid, cid);
  assert.match(report.faults[0]!.error, new RegExp(cid));

  const read = Buffer.from(
    await (await fetch(`${url}/api/units/${line.unitCid}/content`)).arrayBuffer(),
  );
  assert.equal(sha256(read), sha256(original), 'the read fell back to the cold copy');
  const status = await cimJson<{ tiers: TierStatus[] }>('storage', 'status');
  assert.ok(status.tiers.find((t) => t.name === 'warm')!.readFaults >= 1, 'the fault is reported');
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /cim_storage_read_faults\{tier="warm"\} [1-9]/);
  const cold = status.tiers.find((t) => t.name === 'cold')!;
  assert.match(metrics, new RegExp(`cim_storage_tier_objects\\{tier="cold"\\} ${cold.objects}\\b`));
  assert.match(metrics, /cim_storage_moved_bytes\{tier="warm"\} [1-9]/);
});

test('bad requests get one sentence: unknown tier, not a CID, content no tier holds', async () => {
  const unknown = await cim('storage', 'tier', lines[9]!.contentCid!, '--to', 'glacier');
  assert.equal(unknown.code, 2, 'invalid input');
  assert.match(unknown.stderr, /There is no tier "glacier": choose one of hot, warm, cold/);
  const notCid = await cim('storage', 'tier', 'bafkreinotacid', '--to', 'warm');
  assert.notEqual(notCid.code, 0);
  assert.match(notCid.stderr, /is not a content CID/);
  const absent = `bafkrei${'a'.repeat(52)}`;
  const missing = await cim('storage', 'tier', absent, '--to', 'warm');
  assert.notEqual(missing.code, 0);
  assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');
});

test('a verification runs on the node in the background: 202 with the run, then its progress and report', async () => {
  const started = await fetch(`${url}/api/storage/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tier: 'cold' }),
  });
  assert.equal(started.status, 202);
  const { run } = (await started.json()) as { run: VerifyRun };
  assert.equal(run.tier, 'cold');
  let latest = run;
  for (const deadline = Date.now() + 30_000; latest.state === 'running';) {
    assert.ok(Date.now() < deadline, 'the verification never finished');
    await new Promise((resolve) => setTimeout(resolve, 50));
    latest = ((await (await fetch(`${url}/api/storage/verify`)).json()) as { run: VerifyRun }).run;
  }
  assert.equal(latest.state, 'done');
  assert.equal(latest.startedAt, run.startedAt, 'the same run');
  const cold = (await cimJson<{ tiers: TierStatus[] }>('storage', 'status')).tiers.find(
    (t) => t.name === 'cold',
  )!;
  assert.deepEqual(
    [latest.checked, latest.report?.tiers[0]?.checked],
    [cold.objects, cold.objects],
  );
  const unknown = await fetch(`${url}/api/storage/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tier: 'glacier' }),
  });
  assert.equal(unknown.status, 400);
  assert.match(((await unknown.json()) as { detail: string }).detail, /There is no tier "glacier"/);
});

test('GET /api/storage?maxAgeSeconds serves the last listing while it is fresh, and lists again when asked', async () => {
  const hot = async (query: string) =>
    (
      (await (await fetch(`${url}/api/storage${query}`)).json()) as { tiers: TierStatus[] }
    ).tiers.find((t) => t.name === 'hot')!;
  const listed = await hot('');
  const upload = await fetch(`${url}/api/units?name=fresh.txt`, {
    method: 'POST',
    body: `content new to the hot tier ${Date.now()}\n`,
  });
  assert.equal(upload.status, 201);
  assert.equal((await hot('?maxAgeSeconds=3600')).objects, listed.objects, 'the cached listing');
  assert.equal((await hot('?maxAgeSeconds=0')).objects, listed.objects! + 1, 'listed again');
  assert.equal((await hot('')).objects, listed.objects! + 1);
  const refused = await fetch(`${url}/api/storage?maxAgeSeconds=soon`);
  assert.equal(refused.status, 400);
});
