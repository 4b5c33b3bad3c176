import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import { cimJson, waitForStatus } from '../testing/pipeline-node.js';
import { FRAGILE_PLUGIN } from '../testing/fragile-plugin.js';
import { minimalPdf } from '../testing/pdf-fixture.js';
import type { IngestLine } from '../cli/commands/ingest-upload.js';
import type { CatalogUnit, SearchHit } from '../knowledge/catalog.js';
import { connectNats } from '../nats/connect.js';
import { JetStreamEventStore } from '../events/jetstream-event-store.js';

const EXAMPLE = fileURLToPath(
  new URL('../../../examples/pipelines/documents.yaml', import.meta.url),
);

let root: string;
let node: CimUp;
let url: string;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'cim-engine-'));
  writeFileSync(join(root, 'fragile.mjs'), FRAGILE_PLUGIN);
  const config = join(root, 'cim.json');
  writeFileSync(config, JSON.stringify({ plugins: [join(root, 'fragile.mjs')] }));
  node = await startCimUp(['--data', join(root, 'node'), '--config', config]);
  url = node.ready.ui;
});

after(async () => {
  await node.stop();
  rmSync(root, { recursive: true, force: true });
});

async function ingest(path: string, ...flags: string[]): Promise<IngestLine[]> {
  const result = await runCim(['ingest', path, '--json', '--url', url, ...flags]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as IngestLine);
}

test('the example pipeline runs on PDF, HTML and Markdown: text searchable, tags written, lineage back to the source, one correlation id', async () => {
  const docs = join(root, 'docs');
  mkdirSync(docs);
  writeFileSync(
    join(docs, 'plan.md'),
    '# Plan\n\nThe **invoice** backlog and the [wiki](https://example.org/wiki) for the agenda.\n',
  );
  writeFileSync(join(docs, 'notes.md'), '# Notes\n\nA quiet paragraph about tarragon gardens.\n');
  writeFileSync(
    join(docs, 'page.html'),
    '<html><head><title>Release</title><script>var hiddenword = 1;</script></head><body><p>The zephyrine release.</p><a href="https://example.com/z">z</a></body></html>',
  );
  writeFileSync(
    join(docs, 'report.pdf'),
    minimalPdf({ pages: [['Quantum marmalade findings'], ['Second page of the report']] }),
  );
  writeFileSync(join(docs, 'image.png'), Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
  await cimJson(url, 'pipeline', 'apply', EXAMPLE);
  const lines = await ingest(docs);
  const byName = new Map(lines.map((l) => [l.path.split('/').pop()!, l]));
  await waitForStatus(url, 'documents', (s) => s.counters.completed >= 4);

  for (const [word, file] of [
    ['marmalade', 'report.pdf'],
    ['zephyrine', 'page.html'],
    ['tarragon', 'notes.md'],
  ] as const) {
    const { hits } = await cimJson<{ hits: SearchHit[] }>(url, 'search', word);
    assert.ok(
      hits.some((h) => h.unit.unitCid === byName.get(file)!.unitCid),
      `searching ${word} finds ${file}`,
    );
  }
  const hidden = await cimJson<{ hits: SearchHit[] }>(url, 'search', 'hiddenword');
  assert.equal(hidden.hits.length, 0, 'script text is not indexed');

  const plan = await cimJson<{ unit: CatalogUnit }>(
    url,
    'units',
    'show',
    byName.get('plan.md')!.unitCid!,
  );
  assert.ok(plan.unit.tags.includes('invoices'), `classified: ${plan.unit.tags.join(', ')}`);

  const pdf = byName.get('report.pdf')!.unitCid!;
  const lineage = await cimJson<{ descendants: CatalogUnit[] }>(url, 'units', 'lineage', pdf);
  const text = lineage.descendants.find((u) => u.name === 'report.pdf.txt');
  assert.ok(text, 'the extracted text is a derived unit of the PDF');
  assert.deepEqual(text.derivedFrom, [pdf]);
  assert.match(text.producedBy!.processor, /^extract-text@/);
  const back = await cimJson<{ ancestors: CatalogUnit[] }>(url, 'units', 'lineage', text.unitCid);
  assert.deepEqual(
    back.ancestors.map((u) => u.unitCid),
    [pdf],
  );

  const { events } = (await (await fetch(`${url}/api/events?after=0&limit=1000`)).json()) as {
    events: {
      type: string;
      aggregateId: string;
      correlationId: string;
      data: { unitCid?: string };
    }[];
  };
  const ingested = events.find((e) => e.type === 'UnitIngested' && e.data.unitCid === pdf)!;
  const chain = events.filter((e) => e.correlationId === ingested.correlationId);
  const types = new Set(chain.map((e) => e.type));
  for (const type of ['UnitIngested', 'StepsCompleted', 'UnitAnnotated'])
    assert.ok(types.has(type), `the ingest's correlation id reaches ${type}`);
  assert.ok(
    chain.some((e) => e.type === 'UnitIngested' && e.data.unitCid === text.unitCid),
    'the derived unit is in the same causal chain',
  );
  const png = byName.get('image.png')!.unitCid!;
  assert.equal(
    events.some((e) => e.aggregateId === `documents_${png}`),
    false,
    'units the trigger does not select are not run',
  );
});

test('a processor that throws on some inputs: those are dead-lettered with the error, the others complete, one command retries them', async () => {
  const flag = join(root, 'fixed');
  const pipelineFile = join(root, 'fragile.yaml');
  writeFileSync(
    pipelineFile,
    [
      'name: fragile',
      'trigger:',
      '  events: [UnitIngested]',
      '  tags: [fragile]',
      'steps:',
      '  - id: count',
      '    processor: fragile-count',
      `    params: { fixedFlag: ${JSON.stringify(flag)} }`,
      'retry: { attempts: 2, backoffMs: 50, maxBackoffMs: 100 }',
      '',
    ].join('\n'),
  );
  await cimJson(url, 'pipeline', 'apply', pipelineFile);
  const dir = join(root, 'fragile');
  mkdirSync(dir);
  for (let i = 0; i < 10; i++) {
    writeFileSync(join(dir, `n${i}.txt`), i % 4 === 0 ? `POISON number ${i}` : `fine text ${i}`);
  }
  const lines = await ingest(dir, '--tag', 'fragile');
  const poisoned = lines.filter((l) => /n[048]\.txt$/.test(l.path)).map((l) => l.unitCid);
  const status = await waitForStatus(
    url,
    'fragile',
    (s) => s.counters.completed + s.counters.deadLettered >= 10,
  );
  assert.equal(status.counters.completed, 7);
  assert.deepEqual(status.deadLetters.map((d) => d.unitCid).sort(), poisoned.sort());
  for (const letter of status.deadLetters) {
    assert.equal(letter.step, 'count');
    assert.equal(letter.attempts, 2);
    assert.match(letter.error, /fragile-count.*poison found in n[048]\.txt/);
  }
  assert.ok(status.counters.retried >= 3, 'each failure was retried before giving up');

  writeFileSync(flag, 'fixed');
  const retried = await cimJson<{ units: number; completed: number; deadLettered: number }>(
    url,
    'pipeline',
    'retry',
    'fragile',
  );
  assert.deepEqual([retried.units, retried.completed, retried.deadLettered], [3, 3, 0]);
  const after = await cimJson<{ deadLetters: unknown[] }>(url, 'pipeline', 'status', 'fragile');
  assert.equal(after.deadLetters.length, 0);
});

test('a paused pipeline takes no new work and picks it up on resume', async () => {
  const pipelineFile = join(root, 'pausable.yaml');
  writeFileSync(
    pipelineFile,
    'name: pausable\ntrigger: { events: [UnitIngested], tags: [pausable] }\nsteps:\n  - id: meta\n    processor: extract-metadata\n',
  );
  await cimJson(url, 'pipeline', 'apply', pipelineFile);
  await cimJson(url, 'pipeline', 'pause', 'pausable');
  const dir = join(root, 'pausable');
  mkdirSync(dir);
  for (let i = 0; i < 5; i++) writeFileSync(join(dir, `p${i}.txt`), `pausable text ${i}`);
  await ingest(dir, '--tag', 'pausable');
  const waiting = await waitForStatus(url, 'pausable', (s) => (s.backlog?.pending ?? 0) >= 5);
  assert.equal(waiting.counters.completed, 0, 'nothing ran while paused');
  await cimJson(url, 'pipeline', 'resume', 'pausable');
  const done = await waitForStatus(
    url,
    'pausable',
    (s) => s.counters.completed === 5 && s.backlog?.pending === 0,
  );
  assert.equal(done.counters.deadLettered, 0);
});

test('a malformed UnitIngested is one counted failure: the pipeline passes it over and runs the next unit', async () => {
  const pipelineFile = join(root, 'sturdy.yaml');
  writeFileSync(
    pipelineFile,
    'name: sturdy\ntrigger: { events: [UnitIngested], tags: [sturdy] }\nsteps:\n  - id: meta\n    processor: extract-metadata\n',
  );
  await cimJson(url, 'pipeline', 'apply', pipelineFile);
  // The API refuses it, but any client on NATS can write any data under any type: the engine
  // must not trust it.
  const nc = await connectNats(node.ready.nats);
  try {
    const store = await JetStreamEventStore.open(nc, { maxEventBytes: 1_000_000 });
    await store.append(
      { domain: 'units', aggregate: 'Document', aggregateId: 'dmalformed' },
      [{ type: 'UnitIngested', data: { unitCid: 'bafynot', unit: { tags: 'sturdy' } } }],
      { expectedVersion: 0, actor: 'rogue-writer' },
    );
  } finally {
    await nc.close();
  }
  const dir = join(root, 'sturdy');
  mkdirSync(dir);
  writeFileSync(join(dir, 'after.txt'), 'the unit after the malformed event');
  await ingest(dir, '--tag', 'sturdy');
  const done = await waitForStatus(
    url,
    'sturdy',
    (s) => s.counters.completed === 1 && s.backlog?.pending === 0,
  );
  assert.equal(done.counters.malformed, 1);
  assert.equal(done.counters.deadLettered, 0);
  assert.equal(done.state, 'running');
});

test('a unit annotated by two pipelines keeps both annotations, in order', async () => {
  for (const [name, tag, word] of [
    ['first-tagger', 'first', 'alpha'],
    ['second-tagger', 'second', 'beta'],
  ] as const) {
    const file = join(root, `${name}.yaml`);
    writeFileSync(
      file,
      `name: ${name}\ntrigger: { events: [UnitIngested], tags: [twice] }\nsteps:\n  - id: classify\n    processor: classify-rules\n    params: { rules: [{ tag: ${tag}, keywords: [${word}] }] }\n`,
    );
    await cimJson(url, 'pipeline', 'apply', file);
  }
  const dir = join(root, 'twice');
  mkdirSync(dir);
  writeFileSync(join(dir, 'both.txt'), 'alpha and beta');
  const [line] = await ingest(dir, '--tag', 'twice');
  for (const name of ['first-tagger', 'second-tagger']) {
    await waitForStatus(url, name, (s) => s.counters.completed === 1);
  }
  const { events } = (await (await fetch(`${url}/api/events?after=0&limit=1000`)).json()) as {
    events: { type: string; aggregateId: string; version: number; data: { tags: string[] } }[];
  };
  const annotations = events.filter(
    (e) => e.type === 'UnitAnnotated' && e.aggregateId === line!.unitCid,
  );
  // The example pipeline of the first test annotates text units too: three in all.
  assert.ok(annotations.length >= 2, `${annotations.length} annotations`);
  assert.deepEqual(
    annotations.map((e) => e.version),
    annotations.map((_, i) => i + 1),
  );
  const tags = annotations.flatMap((e) => e.data.tags);
  assert.ok(tags.includes('first') && tags.includes('second'), tags.join(', '));
  const shown = await cimJson<{ unit: CatalogUnit }>(url, 'units', 'show', line!.unitCid!);
  assert.ok(shown.unit.tags.includes('first') && shown.unit.tags.includes('second'));
});
