import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../testing/until.js';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import type { AuditPage, EventPage } from './schemas/index.js';
import { auditPageSchema } from './schemas/index.js';

const PIPELINE = new URL('../../../examples/pipelines/documents.yaml', import.meta.url).pathname;

const root = mkdtempSync(join(tmpdir(), 'cim-audit-'));
let node: CimUp;
let url: string;

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function upload(name: string, text: string): Promise<{ contentCid: string }> {
  const response = await fetch(`${url}/api/units?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    body: text,
  });
  assert.equal(response.status, 201);
  return (await response.json()) as { contentCid: string };
}

async function audit(query = ''): Promise<AuditPage> {
  const response = await fetch(`${url}/api/audit${query}`);
  assert.equal(response.status, 200, await response.clone().text());
  return auditPageSchema.parse(await response.json());
}

let byHand: string;
let byPolicy: string;

before(async () => {
  const config = join(root, 'cim.json');
  writeFileSync(
    config,
    JSON.stringify({ storage: { tiers: { warm: { kind: 'folder', path: join(root, 'warm') } } } }),
  );
  node = await startCimUp(['--data', join(root, 'node'), '--config', config]);
  url = node.ready.ui;
  assert.equal((await runCim(['pipeline', 'apply', PIPELINE, '--url', url])).code, 0);
  assert.equal(
    (await post('/api/pipelines/documents/pause', { reason: 'disk <full>' })).status,
    200,
  );
  assert.equal((await post('/api/pipelines/documents/resume', {})).status, 200);
  byHand = (await upload('moved-by-hand.bin', 'moved by hand')).contentCid;
  const moved = await post('/api/storage/tier', { cid: byHand, to: 'warm', keep: true });
  assert.equal(moved.status, 200, await moved.text());
  byPolicy = (await upload('moved-by-policy.bin', 'moved by policy')).contentCid;
  const policy = { name: 'cool', rules: [{ from: 'hot', to: 'warm', keepCopy: true }] };
  assert.equal((await post('/api/storage/policies', { policy })).status, 202);
  await until('the policy to move the second content', async () => {
    const response = await fetch(
      `${url}/api/events?domain=storage&aggregate=Content&aggregateId=${byPolicy}`,
    );
    const { events } = (await response.json()) as EventPage;
    return events.some((e) => e.type === 'ContentTiered' && e.actor === 'policy:cool')
      ? true
      : undefined;
  });
});

after(async () => {
  await node?.stop();
  rmSync(root, { recursive: true, force: true });
});

test('the audit trail lists the changes people made, newest first, and not the machine’s own work', async () => {
  const { entries, types } = await audit();
  assert.deepEqual(
    entries.map((e) => e.type),
    [
      'StoragePolicyApplied',
      'ContentTiered',
      'PipelineResumed',
      'PipelinePaused',
      'PipelineApplied',
    ],
  );
  assert.ok(types.includes('PipelineApplied') && types.includes('BackupCompleted'));
  const positions = entries.map((e) => e.position);
  assert.deepEqual(
    positions,
    [...positions].sort((a, b) => b - a),
    'newest first',
  );
  const [policy, move, , pause, applied] = entries;
  assert.equal(policy?.summary, 'applied storage policy cool');
  assert.equal(move?.summary, `moved content ${byHand} from hot to warm (kept a copy)`);
  assert.equal(move?.aggregateId, byHand, 'the move by hand, not the policy’s');
  assert.equal(pause?.summary, 'paused pipeline documents: disk <full>');
  assert.equal(applied?.aggregate, 'Pipeline');
  for (const entry of entries) {
    assert.ok(entry.actor.length > 0 && !Number.isNaN(Date.parse(entry.occurredAt)));
  }
});

test('the trail filters by type, by actor and by time, and pages with next', async () => {
  const paused = await audit('?type=PipelinePaused');
  assert.deepEqual(
    paused.entries.map((e) => e.type),
    ['PipelinePaused'],
  );

  const all = await audit();
  const moveActor = all.entries.find((e) => e.type === 'ContentTiered')!.actor;
  const byActor = await audit(`?actor=${encodeURIComponent(moveActor)}`);
  assert.ok(byActor.entries.length > 0);
  assert.ok(byActor.entries.every((e) => e.actor === moveActor));
  const prefix = await audit(`?actor=${encodeURIComponent(`${moveActor.slice(0, 2)}*`)}`);
  assert.ok(prefix.entries.every((e) => e.actor.startsWith(moveActor.slice(0, 2))));

  const future = await audit(`?after=${encodeURIComponent('2999-01-01T00:00:00Z')}`);
  assert.deepEqual(future.entries, []);

  const first = await audit('?limit=2');
  assert.equal(first.entries.length, 2);
  assert.ok(first.next !== null);
  const second = await audit(`?limit=10&before=${first.next}`);
  assert.deepEqual(
    [...first.entries, ...second.entries].map((e) => e.position),
    all.entries.map((e) => e.position),
  );
  assert.equal(second.next, null);
});

test('a bad filter is a 400 problem saying what was wrong', async () => {
  const response = await fetch(`${url}/api/audit?after=yesterday`);
  assert.equal(response.status, 400);
  const problem = (await response.json()) as { code: string; detail: string };
  assert.equal(problem.code, 'invalid_input');
  assert.match(problem.detail, /after/);
});

test('cim audit prints the trail, as JSON with --json, filtered with --type', async () => {
  const json = await runCim(['audit', '--json', '--type', 'PipelineApplied', '--url', url]);
  assert.equal(json.code, 0, json.stderr);
  const page = auditPageSchema.parse(JSON.parse(json.stdout));
  assert.deepEqual(
    page.entries.map((e) => e.summary),
    ['applied pipeline documents'],
  );
  const text = await runCim(['audit', '--url', url]);
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.trim().split('\n');
  assert.equal(lines.length, 5, text.stdout);
  assert.match(lines[0] ?? '', /StoragePolicyApplied\s+applied storage policy cool$/);
  assert.match(lines[3] ?? '', /PipelinePaused\s+paused pipeline documents: disk <full>$/);
});
