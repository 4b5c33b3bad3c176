import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { UploadEtag } from './content-hash.js';

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest();

test('an upload of one part expects the MD5 of the bytes, however they were chunked', () => {
  const bytes = randomBytes(1000);
  const etag = new UploadEtag(1000);
  etag.update(bytes.subarray(0, 333));
  etag.update(bytes.subarray(333));
  assert.equal(etag.expected(), md5(bytes).toString('hex'));
});

test('a multipart upload expects the MD5 of the parts’ MD5s and the part count', () => {
  const bytes = randomBytes(2500);
  const etag = new UploadEtag(1000);
  for (let at = 0; at < bytes.length; at += 700) etag.update(bytes.subarray(at, at + 700));
  const parts = [bytes.subarray(0, 1000), bytes.subarray(1000, 2000), bytes.subarray(2000)];
  const expected = createHash('md5')
    .update(Buffer.concat(parts.map(md5)))
    .digest('hex');
  assert.equal(etag.expected(), `${expected}-3`);
});

test('content of exactly whole parts has no empty last part', () => {
  const bytes = randomBytes(2000);
  const etag = new UploadEtag(1000);
  etag.update(bytes);
  const parts = [bytes.subarray(0, 1000), bytes.subarray(1000)];
  const expected = createHash('md5')
    .update(Buffer.concat(parts.map(md5)))
    .digest('hex');
  assert.equal(etag.expected(), `${expected}-2`);
});
