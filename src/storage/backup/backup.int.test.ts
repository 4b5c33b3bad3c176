import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { runCim, startCimUp } from '../../testing/cli.js';
import type { CimUp } from '../../testing/cli.js';
import { cimJson, waitForStatus } from '../../testing/pipeline-node.js';
import { s3TierOf, startTestS3 } from '../../testing/s3-harness.js';
import type { TestS3 } from '../../testing/s3-harness.js';
import type { IngestLine } from '../../cli/commands/ingest-upload.js';
import type { BackupRun, SearchResult, UnitPage } from '../../api/schemas/index.js';
import type { BackupVerifyReport } from './backup-verify.js';
import type { RestoreReport } from '../../runtime/restore-node.js';

const EXAMPLE = fileURLToPath(
  new URL('../../../../examples/pipelines/documents.yaml', import.meta.url),
);
const UNITS = 200;
const LATER = 10;
const TIERED = 20;
const QUERIES = ['agenda', 'minutes', '"number 7"', 'quartz'];

let s3: TestS3;
let root: string;
let config: string;
let env: NodeJS.ProcessEnv;
let node: CimUp | undefined;
/** A content only the hot tier held, so the backup holds a copy of it. */
let hotCid: string;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const dataDir = () => join(root, 'node');

function writeNotes(dir: string, from: number, count: number): void {
  mkdirSync(dir, { recursive: true });
  for (let i = from; i < from + count; i++) {
    writeFileSync(
      join(dir, `note-${i}.md`),
      `# Note ${i}\n\nMeeting minutes number ${i} with an agenda${i % 3 === 0 ? ' about quartz' : ''}, see https://example.org/n/${i}.\n`,
    );
  }
}

async function ingest(dir: string): Promise<IngestLine[]> {
  const result = await runCim([
    'ingest',
    dir,
    '--json',
    '--concurrency',
    '8',
    '--url',
    node!.ready.ui,
  ]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as IngestLine);
}

async function allUnits(url: string): Promise<UnitPage['units']> {
  const units: UnitPage['units'] = [];
  let cursor: number | null = null;
  do {
    const page = (await (
      await fetch(`${url}/api/units?limit=500${cursor === null ? '' : `&cursor=${cursor}`}`)
    ).json()) as UnitPage;
    units.push(...page.units);
    cursor = page.next;
  } while (cursor !== null);
  return units;
}

/** Every unit's bytes hashed, by unit CID, read through the node. */
async function contentHashes(url: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const unit of await allUnits(url)) {
    const response = await fetch(`${url}/api/units/${unit.unitCid}/content`);
    assert.equal(response.status, 200, `content of ${unit.unitCid}`);
    out.set(unit.unitCid, sha256(new Uint8Array(await response.arrayBuffer())));
  }
  return out;
}

async function searchAnswers(url: string): Promise<string[][]> {
  const answers: string[][] = [];
  for (const q of QUERIES) {
    const result = (await (
      await fetch(`${url}/api/search?q=${encodeURIComponent(q)}&limit=50`)
    ).json()) as SearchResult;
    answers.push(result.hits.map((h) => `${h.unit.unitCid} ${h.snippet}`));
  }
  return answers;
}

async function backup(incremental: boolean): Promise<BackupRun> {
  const args = ['backup', '--to', 'backup', ...(incremental ? ['--incremental'] : [])];
  return (await cimJson<{ run: BackupRun }>(node!.ready.ui, ...args)).run;
}

async function tier(cid: string, to: string): Promise<void> {
  const response = await fetch(`${node!.ready.ui}/api/storage/tier`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cid, to }),
  });
  assert.equal(response.status, 200, await response.text());
}

before(async () => {
  s3 = await startTestS3();
  root = mkdtempSync(join(tmpdir(), 'cim-backup-'));
  const warm = s3TierOf(s3, 'warm');
  const store = s3TierOf(s3, 'backup');
  config = join(root, 'cim.json');
  writeFileSync(
    config,
    JSON.stringify({
      storage: {
        tiers: {
          warm: { ...warm.tier, prefix: `${s3.config.prefix}warm/` },
          cold: { kind: 'folder', path: join(root, 'cold') },
          backup: { ...store.tier, prefix: `${s3.config.prefix}backup/` },
        },
      },
    }),
  );
  env = { ...warm.env, ...store.env };
  node = await startCimUp(['--data', dataDir(), '--config', config], env);
});

after(async () => {
  await node?.stop();
  await s3?.stop();
  rmSync(root, { recursive: true, force: true });
});

test(
  'a node with tiered content and a pipeline run is backed up, deleted, and restored whole from the S3 tier',
  { timeout: 600_000 },
  async () => {
    await cimJson(node!.ready.ui, 'pipeline', 'apply', EXAMPLE);
    writeNotes(join(root, 'notes'), 0, UNITS);
    const lines = await ingest(join(root, 'notes'));
    hotCid = lines[100]!.contentCid!;
    assert.equal(lines.length, UNITS);
    await waitForStatus(node!.ready.ui, 'documents', (s) => s.counters.completed >= UNITS, 300_000);
    // Some content warm (S3), some cold (a folder outside the data folder), the rest hot.
    for (const line of lines.slice(0, TIERED)) await tier(line.contentCid!, 'warm');
    for (const line of lines.slice(TIERED, 2 * TIERED)) await tier(line.contentCid!, 'cold');

    const full = await backup(false);
    assert.equal(full.state, 'done', full.error ?? '');
    assert.equal(full.previous, null);
    assert.ok(full.objects >= UNITS - 2 * TIERED, `copied ${full.objects} hot objects`);

    writeNotes(join(root, 'later'), UNITS, LATER);
    await ingest(join(root, 'later'));
    await waitForStatus(
      node!.ready.ui,
      'documents',
      (s) => s.counters.completed >= UNITS + LATER,
      120_000,
    );
    const added = await backup(true);
    assert.equal(added.state, 'done', added.error ?? '');
    assert.equal(added.previous, full.manifest, 'the incremental backup adds to the full one');
    assert.ok(
      added.objects < full.objects / 4,
      `the incremental backup copied only new content (${added.objects} objects, the full one ${full.objects})`,
    );
    assert.ok(added.events < full.events, 'and only new events');

    const hashes = await contentHashes(node!.ready.ui);
    assert.ok(hashes.size >= UNITS + LATER, `${hashes.size} units`);
    const answers = await searchAnswers(node!.ready.ui);
    assert.ok(
      answers.every((a) => a.length > 0),
      'every query finds something',
    );
    const before = await waitForStatus(node!.ready.ui, 'documents', () => true);

    const verify = await runCim(
      ['backup', 'verify', '--from', 'backup', '--config', config, '--json'],
      env,
    );
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    const verified = JSON.parse(verify.stdout) as BackupVerifyReport;
    assert.equal(verified.ok, true);
    assert.ok(
      verified.objects >= UNITS + LATER - 2 * TIERED,
      `${verified.objects} copies read and hashed`,
    );
    assert.ok(verified.tiered >= 2 * TIERED, `${verified.tiered} objects found in warm and cold`);
    assert.equal(verified.chain.length, 2);

    await node!.stop();
    node = undefined;
    rmSync(dataDir(), { recursive: true, force: true });

    const occupied = join(root, 'occupied');
    mkdirSync(occupied);
    writeFileSync(join(occupied, 'keep.txt'), 'mine');
    const refused = await runCim(
      ['restore', '--from', 'backup', '--data', occupied, '--config', config],
      env,
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /is not empty/);
    assert.deepEqual(readdirSync(occupied), ['keep.txt'], 'nothing was written beside it');

    const restored = await runCim(
      ['restore', '--from', 'backup', '--data', dataDir(), '--config', config, '--json'],
      env,
    );
    assert.equal(restored.code, 0, restored.stderr);
    const report = JSON.parse(restored.stdout) as RestoreReport;
    assert.equal(report.manifest, added.manifest);
    assert.ok(report.tiered >= 2 * TIERED, `${report.tiered} objects found in warm and cold`);
    assert.ok(!existsSync(join(dataDir(), 'RESTORING')));

    node = await startCimUp(['--data', dataDir(), '--config', config], env);
    const url = node.ready.ui;
    const events = await runCim(['events', 'verify', '--url', url]);
    assert.equal(events.code, 0, events.stdout + events.stderr);
    assert.deepEqual(await contentHashes(url), hashes, 'every unit reads back byte-exact');
    assert.deepEqual(await searchAnswers(url), answers, 'the same search answers');
    const resumed = await waitForStatus(url, 'documents', (s) => s.backlog !== null);
    assert.equal(resumed.backlog?.pending, 0, 'the pipeline resumes where it was: nothing to redo');
    assert.equal(resumed.deadLetters.length, before.deadLetters.length);
    const backfill = await cimJson<{ computedSteps: number; units: number }>(
      url,
      'pipeline',
      'run',
      'documents',
      '--backfill',
    );
    assert.equal(backfill.computedSteps, 0, 'a backfill afterwards computes nothing');
    assert.equal(backfill.units, UNITS + LATER);
  },
);

test('cim backup verify finds a corrupted backup object and names it', async () => {
  const good = await runCim(
    ['backup', 'verify', '--from', 'backup', '--config', config, '--json'],
    env,
  );
  assert.equal(good.code, 0, good.stdout + good.stderr);
  // The backup tier's copy of one content object, overwritten behind the tier's back.
  await s3.client().send(
    new PutObjectCommand({
      Bucket: s3.config.bucket,
      Key: `${s3.config.prefix}backup/content/${hotCid}`,
      Body: 'not the bytes',
    }),
  );
  const bad = await runCim(
    ['backup', 'verify', '--from', 'backup', '--config', config, '--json'],
    env,
  );
  assert.equal(bad.code, 1, bad.stderr);
  const report = JSON.parse(bad.stdout) as BackupVerifyReport;
  assert.equal(report.ok, false);
  assert.ok(
    report.problems.some((p) => p.object === hotCid || p.detail.includes(hotCid)),
    JSON.stringify(report.problems),
  );

  // A restore trusts the tier no more: it stops at the bad copy and leaves the folder empty.
  const again = join(root, 'again');
  const refused = await runCim(
    ['restore', '--from', 'backup', '--data', again, '--config', config],
    env,
  );
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, new RegExp(hotCid));
  assert.deepEqual(readdirSync(again), [], 'nothing of the refused restore is left');
});
