import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { minimalPdf } from '../testing/pdf-fixture.js';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import { cimJson, waitForStatus } from '../testing/pipeline-node.js';
import type { PipelineSummary } from './pipeline-catalog.js';

// Issue 19, "a first run that works": a new node applies the built-in documents pipeline, so a
// PDF uploaded to it is searchable with no further step; a node that had pipelines keeps them
// as they are; `pipeline.firstRun: none` starts bare.

const FIRST_RUN = { CIM_PIPELINE_FIRST_RUN: 'documents' };

let root: string;
let node: CimUp | undefined;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'cim-first-run-'));
});
after(async () => {
  await node?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function pipelines(url: string): Promise<PipelineSummary[]> {
  return (await cimJson<{ pipelines: PipelineSummary[] }>(url, 'pipeline', 'ls')).pipelines;
}

test('a new node applies the documents pipeline: a PDF ingested is searchable with no further step', async () => {
  node = await startCimUp(['--data', join(root, 'new')], FIRST_RUN);
  const url = node.ready.ui;
  const listed = await pipelines(url);
  assert.deepEqual(
    listed.map((p) => [p.name, p.state, p.version]),
    [['documents', 'running', 1]],
  );
  const pdf = join(root, 'quarterly.pdf');
  writeFileSync(pdf, minimalPdf({ pages: [['The zanzibar quarterly figures are attached.']] }));
  const ingested = await runCim(['ingest', pdf, '--url', url]);
  assert.equal(ingested.code, 0, ingested.stderr);
  await waitForStatus(url, 'documents', (status) => status.counters.completed >= 1);
  const found = await cimJson<{ hits: { unit: { name: string } }[] }>(url, 'search', 'zanzibar');
  assert.ok(
    found.hits.some((hit) => hit.unit.name === 'quarterly.pdf'),
    `the PDF is found by a word inside it: ${JSON.stringify(found.hits)}`,
  );
});

test('a restarted node does not apply it again, and a paused one stays paused', async () => {
  const url = node!.ready.ui;
  await cimJson(url, 'pipeline', 'pause', 'documents');
  await node!.stop();
  node = await startCimUp(['--data', join(root, 'new')], FIRST_RUN);
  const listed = await pipelines(node.ready.ui);
  assert.deepEqual(
    listed.map((p) => [p.name, p.state]),
    [['documents', 'paused']],
  );
  await node.stop();
  node = undefined;
});

test('pipeline.firstRun "none" starts a new node without any pipeline', async () => {
  node = await startCimUp(['--data', join(root, 'bare')], { CIM_PIPELINE_FIRST_RUN: 'none' });
  assert.deepEqual(await pipelines(node.ready.ui), []);
});
