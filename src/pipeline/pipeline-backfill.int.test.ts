import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import { cimJson } from '../testing/pipeline-node.js';

const EXAMPLE = fileURLToPath(
  new URL('../../../examples/pipelines/documents.yaml', import.meta.url),
);
const UNITS = 5_000;

let root: string;
let node: CimUp;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'cim-backfill-'));
  node = await startCimUp(['--data', join(root, 'node')]);
});

after(async () => {
  await node.stop();
  rmSync(root, { recursive: true, force: true });
});

interface BatchReport {
  units: number;
  completed: number;
  deadLettered: number;
  computedSteps: number;
  reusedSteps: number;
  seconds: number;
}

test('backfill over 5,000 existing units, then again: the second run computes nothing and takes a fraction of the time', async () => {
  const dir = join(root, 'notes');
  mkdirSync(dir);
  for (let i = 0; i < UNITS; i++) {
    writeFileSync(
      join(dir, `note-${i}.md`),
      `# Note ${i}\n\nMeeting minutes number ${i} with an agenda, see https://example.org/n/${i}.\n`,
    );
  }
  const ingested = await runCim([
    'ingest',
    dir,
    '--json',
    '--concurrency',
    '16',
    '--url',
    node.ready.ui,
  ]);
  assert.equal(ingested.code, 0, ingested.stderr);
  // Applied after the ingest, so only a backfill reaches these units.
  await cimJson(node.ready.ui, 'pipeline', 'apply', EXAMPLE);
  const steps = 4;

  // A backfill runs in the background: a second start joins the one running.
  const start = async () => {
    const response = await fetch(`${node.ready.ui}/api/pipelines/documents/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ backfill: true }),
    });
    assert.equal(response.status, 202);
    return ((await response.json()) as { backfill: { state: string; startedAt: string } }).backfill;
  };
  const started = await start();
  assert.equal(started.state, 'running');
  assert.equal((await start()).startedAt, started.startedAt);
  // The command follows the running backfill to its end.
  const first = await cimJson<BatchReport>(
    node.ready.ui,
    'pipeline',
    'run',
    'documents',
    '--backfill',
  );
  assert.deepEqual(
    [first.units, first.completed, first.deadLettered, first.computedSteps, first.reusedSteps],
    [UNITS, UNITS, 0, UNITS * steps, 0],
  );
  /** The position of the stream's last event. */
  const end = async () =>
    ((await (await fetch(`${node.ready.ui}/api/events?after=0&limit=1`)).json()) as { end: number })
      .end;
  const endBefore = await end();
  const second = await cimJson<BatchReport>(
    node.ready.ui,
    'pipeline',
    'run',
    'documents',
    '--backfill',
  );
  assert.deepEqual(
    [second.units, second.completed, second.computedSteps, second.reusedSteps],
    [UNITS, UNITS, 0, UNITS * steps],
  );
  assert.equal(await end(), endBefore, 'a backfill that finds every run recorded writes nothing');
  process.stderr.write(
    `backfill of ${UNITS} units: first ${first.seconds.toFixed(1)} s, second ${second.seconds.toFixed(1)} s\n`,
  );
  assert.ok(
    second.seconds < first.seconds / 2,
    `the second run (${second.seconds} s) takes a fraction of the first (${first.seconds} s)`,
  );
  const tagged = await cimJson<{ units: unknown[] }>(
    node.ready.ui,
    'units',
    'ls',
    '--tag',
    'meeting-notes',
    '--limit',
    '1000',
  );
  assert.equal(tagged.units.length, 1000, 'classification tags reached the catalog');
});
