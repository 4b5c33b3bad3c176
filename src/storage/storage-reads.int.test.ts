import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import type { IngestLine } from '../cli/commands/ingest-upload.js';

let root: string;
let node: CimUp;

const url = () => node.ready.ui;
const located = async (cid: string) =>
  (await (await fetch(`${url()}/api/storage/content/${cid}`)).json()) as {
    tiers: string[];
    lastReadAt: string | null;
  };

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'cim-reads-'));
  const config = join(root, 'cim.json');
  writeFileSync(
    config,
    JSON.stringify({ storage: { tiers: { warm: { kind: 'folder', path: join(root, 'warm') } } } }),
  );
  node = await startCimUp(['--data', join(root, 'node'), '--config', config]);
});

after(async () => {
  await node?.stop();
  rmSync(root, { recursive: true, force: true });
});

test('content not read lately moves down, content just read stays, and a read from below rehydrates it into hot', async () => {
  const files = join(root, 'files');
  mkdirSync(files);
  writeFileSync(join(files, 'read.txt'), 'a note somebody reads\n');
  writeFileSync(join(files, 'idle.txt'), 'a note nobody reads\n');
  const ingested = await runCim(['ingest', files, '--json', '--url', url()]);
  assert.equal(ingested.code, 0, ingested.stderr);
  const lines = ingested.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as IngestLine);
  const read = lines.find((l) => l.path.endsWith('read.txt'))!;
  const idle = lines.find((l) => l.path.endsWith('idle.txt'))!;
  assert.equal((await located(read.contentCid!)).lastReadAt, null, 'nothing was read yet');

  // 0.00004 days is 3.5 s: both are idle that long, then one of them is read.
  await sleep(4_500);
  const cat = await runCim(['units', 'cat', read.unitCid!, '--url', url()]);
  assert.equal(cat.stdout, 'a note somebody reads\n');
  const lastReadAt = (await located(read.contentCid!)).lastReadAt;
  assert.ok(lastReadAt !== null && Date.now() - Date.parse(lastReadAt) < 60_000);

  const policy = join(root, 'idle.yaml');
  writeFileSync(
    policy,
    'name: idle\nrehydrate: true\nrules:\n  - { from: hot, to: warm, when: { notReadForDays: 0.00004 } }\n',
  );
  const applied = await runCim(['storage', 'policy', 'apply', policy, '--wait', '--url', url()]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.deepEqual((await located(read.contentCid!)).tiers, ['hot']);
  assert.deepEqual((await located(idle.contentCid!)).tiers, ['warm']);

  // Read from warm: served at once, then copied back into hot with the warm copy kept.
  const response = await fetch(`${url()}/api/units/${idle.unitCid}/content`);
  assert.equal(await response.text(), 'a note nobody reads\n');
  const deadline = Date.now() + 20_000;
  while ((await located(idle.contentCid!)).tiers.length < 2) {
    assert.ok(Date.now() < deadline, 'the content was not rehydrated into hot');
    await sleep(100);
  }
  assert.deepEqual((await located(idle.contentCid!)).tiers, ['hot', 'warm']);
  const { events } = (await (
    await fetch(
      `${url()}/api/events?domain=storage&aggregate=Content&aggregateId=${idle.contentCid}`,
    )
  ).json()) as { events: { data: { from: string; to: string; kept: boolean; policy: string } }[] };
  assert.deepEqual(
    events.map((e) => [e.data.from, e.data.to, e.data.kept, e.data.policy]),
    [
      ['hot', 'warm', false, 'idle'],
      ['warm', 'hot', true, 'idle'],
    ],
  );
});
