import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import { cimJson, waitForStatus } from '../testing/pipeline-node.js';
import type { CatalogUnit } from '../knowledge/catalog.js';
import type { RegisteredComponent } from '../registry/component-record.js';

const SERVICE = fileURLToPath(
  new URL('../../../examples/plugins/word-count-service.mjs', import.meta.url),
);

let root: string;
let node: CimUp;
let service: ChildProcess;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'cim-plugin-service-'));
  node = await startCimUp(['--data', join(root, 'node')]);
  service = spawn(process.execPath, [SERVICE, node.ready.nats], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, HEARTBEAT_SECONDS: '1' },
  });
  await new Promise<void>((resolve, reject) => {
    service.stdout!.once('data', () => resolve());
    service.once('exit', (code) => reject(new Error(`the plugin service exited with ${code}`)));
  });
});

after(async () => {
  if (service.exitCode === null) {
    service.kill('SIGTERM');
    await new Promise((resolve) => service.once('exit', resolve));
  }
  await node.stop();
  rmSync(root, { recursive: true, force: true });
});

test('a plugin written in plain JavaScript, in its own process, registers and runs pipeline steps over NATS', async () => {
  const listed = await cimJson<{ services: RegisteredComponent[] }>(node.ready.ui, 'plugin', 'ls');
  assert.deepEqual(
    listed.services.map((s) => [s.name, s.kind, s.capabilities]),
    [['word-count', 'plugin-service', ['processor:word-count']]],
  );

  const pipelineFile = join(root, 'count.yaml');
  writeFileSync(
    pipelineFile,
    'name: count\ntrigger: { events: [UnitIngested], tags: [count] }\nsteps:\n  - id: words\n    processor: word-count\n    params: { longAfter: 5 }\n',
  );
  await cimJson(node.ready.ui, 'pipeline', 'apply', pipelineFile);
  const dir = join(root, 'in');
  mkdirSync(dir);
  writeFileSync(join(dir, 'short.txt'), 'three small words');
  writeFileSync(join(dir, 'long.txt'), 'one two three four five six seven eight');
  const ingested = await runCim([
    'ingest',
    dir,
    '--tag',
    'count',
    '--json',
    '--url',
    node.ready.ui,
  ]);
  assert.equal(ingested.code, 0, ingested.stderr);
  const status = await waitForStatus(node.ready.ui, 'count', (s) => s.counters.completed === 2);
  assert.equal(status.counters.deadLettered, 0);

  const { units } = await cimJson<{ units: CatalogUnit[] }>(
    node.ready.ui,
    'units',
    'ls',
    '--tag',
    'long',
  );
  assert.deepEqual(
    units.map((u) => u.name),
    ['long.txt'],
    'the service’s tags reached the catalog',
  );
  const events = (await (await fetch(`${node.ready.ui}/api/events?after=0&limit=1000`)).json()) as {
    events: {
      type: string;
      data: { steps?: { step: string; result: { metadata: { words?: number } } }[] };
    }[];
  };
  const words = events.events
    .filter((e) => e.type === 'StepsCompleted')
    .flatMap((e) => e.data.steps!.filter((s) => s.step === 'words'))
    .map((s) => s.result.metadata.words)
    .sort();
  assert.deepEqual(words, [3, 8]);
});

test('a step whose plugin service is gone is retried, then dead-lettered naming the processor', async () => {
  service.kill('SIGTERM');
  await new Promise((resolve) => service.once('exit', resolve));
  const pipelineFile = join(root, 'orphan.yaml');
  writeFileSync(
    pipelineFile,
    'name: orphan\ntrigger: { events: [UnitIngested], tags: [orphan] }\nsteps:\n  - id: words\n    processor: word-count\nretry: { attempts: 2, backoffMs: 50, maxBackoffMs: 50 }\n',
  );
  await cimJson(node.ready.ui, 'pipeline', 'apply', pipelineFile);
  const file = join(root, 'orphan.txt');
  writeFileSync(file, 'nobody counts these');
  const ingested = await runCim([
    'ingest',
    file,
    '--tag',
    'orphan',
    '--json',
    '--url',
    node.ready.ui,
  ]);
  assert.equal(ingested.code, 0, ingested.stderr);
  const status = await waitForStatus(
    node.ready.ui,
    'orphan',
    (s) => s.deadLetters.length === 1,
    30_000,
  );
  assert.match(status.deadLetters[0]!.error, /word-count/);
});
