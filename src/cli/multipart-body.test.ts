import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMultipart } from './multipart-body.js';

/** Decodes a body the way a server sees it, with the platform's own multipart parser. */
async function parse(body: Buffer, contentType: string): Promise<FormData> {
  return new Response(body, { headers: { 'content-type': contentType } }).formData();
}

test('the encoded body is read back by a standard multipart parser: fields, files and bytes', async () => {
  const bytes = Uint8Array.from([0, 1, 2, 255, 13, 10, 45, 45]);
  const { body, contentType } = encodeMultipart([
    { name: 'source', value: 'file:///tmp/a b/notes.txt' },
    { name: 'cid', value: 'bafkreiexample' },
    { name: 'file', filename: 'notes.txt', bytes },
    { name: 'file', filename: 'empty.txt', bytes: new Uint8Array(0) },
  ]);
  assert.match(contentType, /^multipart\/form-data; boundary=----cim-[0-9a-f]{32}$/);
  const form = await parse(body, contentType);
  assert.equal(form.get('source'), 'file:///tmp/a b/notes.txt');
  assert.equal(form.get('cid'), 'bafkreiexample');
  const files = form.getAll('file') as File[];
  assert.deepEqual(
    files.map((f) => f.name),
    ['notes.txt', 'empty.txt'],
  );
  assert.deepEqual(new Uint8Array(await files[0]!.arrayBuffer()), bytes);
  assert.equal(files[1]!.size, 0);
});

test('names and values are escaped exactly as FormData escapes them', async () => {
  const parts = [
    { name: 'source', value: 'line one\nline two\rthree' },
    { name: 'file', filename: 'odd "name"\r\n.txt', bytes: Buffer.from('x') },
  ] as const;
  const ours = encodeMultipart(parts).body.toString('latin1');
  const form = new FormData();
  form.append('source', parts[0].value);
  form.append('file', new Blob([parts[1].bytes]), parts[1].filename);
  const theirs = Buffer.from(await new Response(form).arrayBuffer()).toString('latin1');
  const header = (text: string) => /filename="([^"]*)"/.exec(text)?.[1];
  assert.equal(header(ours), header(theirs));
  assert.ok(ours.includes('line one\r\nline two\r\nthree'));
  assert.ok(theirs.includes('line one\r\nline two\r\nthree'));
});
