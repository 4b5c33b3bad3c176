import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import type { ConnectorCommandReply, ConnectorList, UnitPage } from '../api/schemas/index.js';

// The hub in a running node, driven by the CLI: a folder connector applied with
// `cim connector apply` takes in what is dropped into its folder by itself, `ls` shows its
// state and counts, and a bad definition is refused naming the field with nothing recorded.

const FILES = 20;
let root: string;
let node: CimUp;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'cim-hub-node-'));
  node = await startCimUp(['--data', join(root, 'node')]);
});
after(async () => {
  await node?.stop();
  rmSync(root, { recursive: true, force: true });
});

const cim = (...args: string[]) => runCim([...args, '--url', node.ready.ui]);

async function json<T>(...args: string[]): Promise<T> {
  const result = await cim(...args, '--json');
  assert.equal(result.code, 0, `cim ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

test('a folder connector applied with the CLI takes in the files dropped into its folder', async () => {
  const inbox = join(root, 'inbox');
  mkdirSync(inbox);
  const definition = join(root, 'inbox.yaml');
  writeFileSync(
    definition,
    [
      'name: inbox',
      'kind: folder',
      'intervalMs: 500',
      'tags: [dropped]',
      'settings:',
      `  path: ${JSON.stringify(inbox)}`,
      '  stableMs: 100',
      '',
    ].join('\n'),
  );
  const applied = await json<ConnectorCommandReply>('connector', 'apply', definition);
  assert.equal(applied.outcome, 'created');
  assert.equal(applied.connector?.definition.kind, 'folder');
  for (let i = 0; i < FILES; i++)
    writeFileSync(join(inbox, `note-${i}.txt`), `Dropped note ${i}, taken in by the hub.\n`);
  let units: UnitPage['units'] = [];
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    units = (await json<UnitPage>('units', 'ls', '--limit', '100')).units;
    if (units.length >= FILES) break;
    await sleep(250);
  }
  assert.deepEqual(
    units.map((u) => u.name).sort(),
    Array.from({ length: FILES }, (_, i) => `note-${i}.txt`).sort(),
  );
  assert.ok(units.every((u) => u.tags.includes('dropped') && u.source.startsWith('file://')));
  const { connectors } = await json<ConnectorList>('connector', 'ls');
  assert.equal(connectors.length, 1);
  const [inboxConnector] = connectors;
  assert.equal(inboxConnector!.state, 'running');
  assert.equal(inboxConnector!.stalled, false);
  assert.equal(inboxConnector!.counts.stored, FILES);
  const again = await json<ConnectorCommandReply>('connector', 'apply', definition);
  assert.equal(again.outcome, 'unchanged');
});

test('a definition with a secret written inline is refused naming the field, and nothing is applied', async () => {
  const bad = join(root, 'bad.yaml');
  writeFileSync(
    bad,
    'name: mailbox\nkind: mail\nsettings:\n  host: 127.0.0.1\n  username: ada\n  password: hunter2hunter2\n',
  );
  const refused = await cim('connector', 'apply', bad);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /settings\.password/);
  assert.doesNotMatch(refused.stderr, /hunter2/);
  const { connectors } = await json<ConnectorList>('connector', 'ls');
  assert.deepEqual(
    connectors.map((c) => c.name),
    ['inbox'],
  );
});

test('a file deleted while the node was down is recorded as removed when it comes back', async () => {
  await node.stop();
  rmSync(join(root, 'inbox', 'note-0.txt'));
  node = await startCimUp(['--data', join(root, 'node')]);
  const deadline = Date.now() + 60_000;
  let removed = 0;
  while (Date.now() < deadline) {
    const { connectors } = await json<ConnectorList>('connector', 'ls');
    removed = connectors.find((c) => c.name === 'inbox')?.counts.removed ?? 0;
    if (removed >= 1) break;
    await sleep(250);
  }
  assert.equal(removed, 1, 'the deletion is counted once');
  // Nothing is erased: the document and its content are still there.
  const units = (await json<UnitPage>('units', 'ls', '--limit', '100')).units;
  assert.ok(units.some((u) => u.name === 'note-0.txt'));
});
