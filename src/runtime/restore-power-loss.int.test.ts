import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import { mountPowerLossFs } from '../testing/power-loss-fs.js';
import type { PowerLossFs } from '../testing/power-loss-fs.js';
import type { IngestLine } from '../cli/commands/ingest-upload.js';

// A restore's own server syncs on a timer, not per write (restore-node.ts): the folder is made
// durable once, at the end. This checks that end: a power cut right after `cim restore` has
// returned loses nothing, on a file system that drops whatever was not fsynced
// (src/testing/power-loss-fs, decision 0016).

const FILES = 40;
const root = mkdtempSync(join(tmpdir(), 'cim-restore-power-'));
let node: CimUp | undefined;
let fs: PowerLossFs | undefined;

after(async () => {
  await node?.stop();
  await fs?.stop();
  rmSync(root, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

test('a power cut just after cim restore returned leaves the whole restored node', async () => {
  const config = join(root, 'cim.json');
  writeFileSync(
    config,
    JSON.stringify({
      storage: { tiers: { backup: { kind: 'folder', path: join(root, 'shelf') } } },
    }),
  );
  const files = join(root, 'files');
  mkdirSync(files);
  const expected = new Map<string, string>();
  for (let i = 0; i < FILES; i++) {
    const text = `Note ${i}: what was written before the backup, ${'line. '.repeat(i)}\n`;
    writeFileSync(join(files, `note-${i}.txt`), text);
    expected.set(`note-${i}.txt`, sha256(Buffer.from(text)));
  }
  node = await startCimUp(['--data', join(root, 'original'), '--config', config]);
  const ingested = await runCim(['ingest', files, '--json', '--url', node.ready.ui]);
  assert.equal(ingested.code, 0, ingested.stderr);
  const lines = ingested.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as IngestLine);
  assert.equal(lines.length, FILES);
  const backup = await runCim(['backup', '--to', 'backup', '--url', node.ready.ui]);
  assert.equal(backup.code, 0, backup.stderr);
  await node.stop();
  node = undefined;

  const backing = join(root, 'backing');
  const mountpoint = join(root, 'mnt');
  mkdirSync(backing);
  mkdirSync(mountpoint);
  fs = await mountPowerLossFs(backing, mountpoint);
  const restored = await runCim([
    'restore',
    '--from',
    'backup',
    '--data',
    join(fs.mountpoint, 'restored'),
    '--config',
    config,
  ]);
  assert.equal(restored.code, 0, `${restored.stdout}${restored.stderr}`);
  // The cut: everything not fsynced is undone in the backing folder.
  const report = await fs.cut();
  assert.equal(report.failures, 0, fs.stderr());
  fs = undefined;

  node = await startCimUp(['--data', join(backing, 'restored'), '--config', config]);
  const url = node.ready.ui;
  const verify = await runCim(['events', 'verify', '--url', url]);
  assert.equal(verify.code, 0, `${verify.stdout}${verify.stderr}`);
  const listed = await runCim(['units', 'ls', '--json', '--limit', '500', '--url', url]);
  assert.equal(listed.code, 0, listed.stderr);
  const units = (JSON.parse(listed.stdout) as { units: { unitCid: string; name: string }[] }).units;
  assert.deepEqual(units.map((u) => u.name).sort(), [...expected.keys()].sort());
  for (const unit of units) {
    const cat = await fetch(`${url}/api/units/${unit.unitCid}/content`);
    assert.equal(cat.status, 200, `${unit.name} reads back after the cut`);
    assert.equal(sha256(new Uint8Array(await cat.arrayBuffer())), expected.get(unit.name));
  }
});
