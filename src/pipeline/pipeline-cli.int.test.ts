import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import type { PipelineSummary } from './pipeline-catalog.js';

const EXAMPLE = fileURLToPath(
  new URL('../../../examples/pipelines/documents.yaml', import.meta.url),
);

let root: string;
let node: CimUp;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'cim-pipeline-cli-'));
  node = await startCimUp(['--data', join(root, 'node')]);
});

after(async () => {
  await node.stop();
  rmSync(root, { recursive: true, force: true });
});

async function cim(...args: string[]) {
  return runCim([...args, '--url', node.ready.ui]);
}

async function json<T>(...args: string[]): Promise<T> {
  const result = await cim(...args, '--json');
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as T;
}

test('the shipped example applies once; applying it again records nothing; a change is version 2', async () => {
  const first = await json<{ outcome: string; version: number; pipeline: PipelineSummary }>(
    'pipeline',
    'apply',
    EXAMPLE,
  );
  assert.equal(first.outcome, 'created');
  assert.equal(first.pipeline.name, 'documents');
  assert.equal(first.pipeline.state, 'running');
  const again = await json<{ outcome: string; version: number }>('pipeline', 'apply', EXAMPLE);
  assert.deepEqual([again.outcome, again.version], ['unchanged', first.version]);

  const changed = join(root, 'documents.yaml');
  const text = readFileSync(EXAMPLE, 'utf8');
  assert.match(text, /^concurrency: \d+$/m);
  writeFileSync(changed, text.replace(/^concurrency: \d+$/m, 'concurrency: 4'));
  const second = await json<{ outcome: string; pipeline: PipelineSummary }>(
    'pipeline',
    'apply',
    changed,
  );
  assert.equal(second.outcome, 'updated');
  assert.equal(second.pipeline.definition.concurrency, 4);
  assert.equal(second.pipeline.history.length, 2);

  const listed = await json<{ pipelines: PipelineSummary[] }>('pipeline', 'ls');
  assert.deepEqual(
    listed.pipelines.map((p) => p.name),
    ['documents'],
  );
  const human = await cim('pipeline', 'show', 'documents');
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /step extract: extract-text/);
  assert.match(human.stdout, /v1 .* by /);
});

test('pause and resume are recorded in the pipeline’s state; unknown pipelines are a clear error', async () => {
  await json('pipeline', 'apply', EXAMPLE);
  const paused = await json<{ outcome: string; pipeline: PipelineSummary }>(
    'pipeline',
    'pause',
    'documents',
    '--reason',
    'maintenance',
  );
  assert.deepEqual([paused.outcome, paused.pipeline.state], ['paused', 'paused']);
  const pausedAgain = await json<{ outcome: string }>('pipeline', 'pause', 'documents');
  assert.equal(pausedAgain.outcome, 'unchanged');
  const resumed = await json<{ outcome: string; pipeline: PipelineSummary }>(
    'pipeline',
    'resume',
    'documents',
  );
  assert.deepEqual([resumed.outcome, resumed.pipeline.state], ['resumed', 'running']);

  const missing = await cim('pipeline', 'pause', 'nope');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^cim: There is no pipeline "nope": apply its definition first/);
});

test('an invalid pipeline file is refused naming the field, and nothing is recorded', async () => {
  const bad = join(root, 'bad.yaml');
  writeFileSync(
    bad,
    'name: broken\ntrigger:\n  events: [UnitIngested]\nsteps:\n  - id: a\n    processor: 42\n',
  );
  const refused = await cim('pipeline', 'apply', bad);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^cim: bad\.yaml: steps\[0\]\.processor: expected a processor name/);
  assert.equal(refused.stderr.trim().split('\n').length, 1);

  // The node validates too: a body sent straight to the API is refused the same way.
  const response = await fetch(`${node.ready.ui}/api/pipelines`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ definition: { name: 'broken', trigger: { events: [] }, steps: [] } }),
  });
  assert.equal(response.status, 400);
  const problem = (await response.json()) as { code: string; detail: string };
  assert.equal(problem.code, 'invalid_input');
  assert.match(problem.detail, /^definition: trigger\.events/);
  const listed = await json<{ pipelines: PipelineSummary[] }>('pipeline', 'ls');
  assert.equal(
    listed.pipelines.some((p) => p.name === 'broken'),
    false,
  );
});
