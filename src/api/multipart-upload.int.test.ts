import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentCid } from '../core/cid.js';
import { startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';

const root = mkdtempSync(join(tmpdir(), 'cim-multipart-'));
let node: CimUp;

before(async () => {
  node = await startCimUp(['--data', join(root, 'node')]);
});
after(async () => {
  await node.stop();
  rmSync(root, { recursive: true, force: true });
});

interface Item {
  name: string;
  status: string;
  unitCid?: string;
  contentCid?: string;
  mediaType?: string;
  error?: { code: string; detail: string };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

test('a multipart upload of several files stores each, and a bad one is reported while the others go on', async () => {
  const notes = Buffer.from('# Harbour notes\n\nThe lighthouse keeper counts otters.\n');
  const csv = Buffer.from('a,b\n1,2\n');
  const form = new FormData();
  form.append('source', 'file:///uploads/harbour.md');
  form.append('file', new Blob([notes]), 'harbour.md');
  form.append('cid', contentCid(Buffer.from('other bytes')).toString());
  form.append('size', String(csv.length));
  form.append('file', new Blob([csv]), 'lying.csv');
  form.append('file', new Blob([csv]), 'table.csv');
  const response = await fetch(`${node.ready.ui}/api/units?tag=harbour`, {
    method: 'POST',
    body: form,
  });
  assert.equal(response.status, 207);
  const { units } = (await response.json()) as { units: Item[] };
  assert.deepEqual(
    units.map((u) => [u.name, u.status]),
    [
      ['harbour.md', 'stored'],
      ['lying.csv', 'error'],
      ['table.csv', 'stored'],
    ],
  );
  assert.equal(units[1]!.error!.code, 'integrity');
  assert.match(units[1]!.error!.detail, /hash to/);
  assert.equal(units[0]!.mediaType, 'text/markdown');

  const read = await fetch(`${node.ready.ui}/api/units/${units[0]!.unitCid}/content`);
  assert.equal(sha256(new Uint8Array(await read.arrayBuffer())), sha256(notes));
  const found = (await (await fetch(`${node.ready.ui}/api/search?q=otters`)).json()) as {
    hits: { unit: { unitCid: string; tags: string[]; source: string } }[];
  };
  assert.equal(found.hits.length, 1, 'the upload waits for the catalog by default');
  assert.equal(found.hits[0]!.unit.unitCid, units[0]!.unitCid);
  assert.deepEqual(found.hits[0]!.unit.tags, ['harbour']);
  assert.equal(found.hits[0]!.unit.source, 'file:///uploads/harbour.md');
});

test('a multipart upload of one file is 201, and one without files or with unknown fields is a 400 problem', async () => {
  const one = new FormData();
  one.append('file', new Blob([Buffer.from('single\n')]), 'single.txt');
  const response = await fetch(`${node.ready.ui}/api/units`, { method: 'POST', body: one });
  assert.equal(response.status, 201);
  const body = (await response.json()) as { units: Item[] };
  assert.equal(body.units.length, 1);
  assert.equal(body.units[0]!.status, 'stored');

  const empty = new FormData();
  empty.append('source', 'file:///nothing');
  const none = await fetch(`${node.ready.ui}/api/units`, { method: 'POST', body: empty });
  assert.equal(none.status, 400);
  assert.match(((await none.json()) as { detail: string }).detail, /no file part/);

  const odd = new FormData();
  odd.append('colour', 'blue');
  odd.append('file', new Blob([Buffer.from('x')]), 'x.txt');
  const refused = await fetch(`${node.ready.ui}/api/units`, { method: 'POST', body: odd });
  assert.equal(refused.status, 400);
  assert.match(((await refused.json()) as { detail: string }).detail, /colour/);
});

test('a raw upload without ?name= is a 400 problem that says what to add', async () => {
  const response = await fetch(`${node.ready.ui}/api/units`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: 'bytes',
  });
  assert.equal(response.status, 400);
  assert.match(((await response.json()) as { detail: string }).detail, /\?name=/);
});

test('files beyond the per-request limit are reported, and those before it are stored', async () => {
  const form = new FormData();
  for (let i = 0; i < 1001; i++) {
    form.append('file', new Blob([Buffer.from(`limit test file ${i}\n`)]), `limit-${i}.txt`);
  }
  const response = await fetch(`${node.ready.ui}/api/units?wait=0`, { method: 'POST', body: form });
  assert.equal(response.status, 207);
  const { units } = (await response.json()) as { units: Item[] };
  assert.equal(units.length, 1001);
  assert.equal(units.filter((u) => u.status === 'stored').length, 1000);
  const last = units[1000]!;
  assert.equal(last.status, 'error');
  assert.equal(last.error!.code, 'invalid_input');
  assert.match(last.error!.detail, /at most 1000 files/);
});

test('many small parts are ingested several at once, and the answer keeps their order, failures in place', async () => {
  const form = new FormData();
  const expected: [string, string][] = [];
  for (let i = 0; i < 30; i++) {
    const bytes = Buffer.from(`part number ${i} of the batch\n`);
    const lies = i % 7 === 3;
    form.append('cid', contentCid(lies ? Buffer.from(`not part ${i}`) : bytes).toString());
    form.append('size', String(bytes.length));
    form.append('file', new Blob([bytes]), `part-${i}.txt`);
    expected.push([`part-${i}.txt`, lies ? 'error' : 'stored']);
  }
  const response = await fetch(`${node.ready.ui}/api/units`, { method: 'POST', body: form });
  assert.equal(response.status, 207);
  const { units } = (await response.json()) as { units: Item[] };
  assert.deepEqual(
    units.map((u) => [u.name, u.status]),
    expected,
  );
  const one = units.find((u) => u.name === 'part-29.txt')!;
  const read = await fetch(`${node.ready.ui}/api/units/${one.unitCid}/content`);
  assert.equal(await read.text(), 'part number 29 of the batch\n');
});

/** A multipart body of one file part, as a client writes it, with its boundary. */
function multipartBody(boundary: string, name: string, content: string): string {
  return [
    `--${boundary}`,
    `Content-Disposition: form-data; name="file"; filename="${name}"`,
    'Content-Type: text/plain',
    '',
    content,
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

async function expectBadRequest(response: Response, detail: RegExp): Promise<void> {
  assert.equal(response.status, 400);
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const problem = (await response.json()) as { code: string; detail: string; status: number };
  assert.equal(problem.status, 400);
  assert.equal(problem.code, 'invalid_input');
  assert.match(problem.detail, detail);
}

test('a multipart upload cut before its closing boundary is a 400 problem, and stores nothing', async () => {
  const boundary = 'cim-test-boundary-7d3f';
  const whole = multipartBody(boundary, 'cut.txt', 'the words of a cut upload: kittiwake');
  const cut = whole.slice(0, whole.indexOf('kittiwake') + 4);
  const response = await fetch(`${node.ready.ui}/api/units`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: cut,
  });
  await expectBadRequest(response, /ended before its closing boundary/);
  const found = (await (await fetch(`${node.ready.ui}/api/search?q=kitt*`)).json()) as {
    hits: unknown[];
  };
  assert.equal(found.hits.length, 0, 'no unit of the cut file');

  const fine = await fetch(`${node.ready.ui}/api/units`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: whole,
  });
  assert.equal(fine.status, 201, 'the same body with its closing boundary is stored');
});

test('a multipart upload without a boundary is a 400 problem that says what to send', async () => {
  const response = await fetch(`${node.ready.ui}/api/units`, {
    method: 'POST',
    headers: { 'content-type': 'multipart/form-data' },
    body: multipartBody('unsaid', 'x.txt', 'x'),
  });
  await expectBadRequest(response, /boundary/);
});
