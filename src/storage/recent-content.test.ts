import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentCid } from '../core/cid.js';
import { RecentContent } from './recent-content.js';

const bytes = (text: string) => new Uint8Array(Buffer.from(text));
const cidOf = (b: Uint8Array) => contentCid(b).toString();

test('content is handed out once, and only while it matches its CID', () => {
  const recent = new RecentContent(1024, 4096);
  const a = bytes('alpha');
  recent.remember(cidOf(a), a);
  assert.deepEqual(recent.take(cidOf(a)), a);
  assert.equal(recent.take(cidOf(a)), undefined, 'taken once');
  const b = bytes('bravo');
  recent.remember(cidOf(b), b);
  b[0] = 0x58;
  assert.equal(recent.take(cidOf(bytes('bravo'))), undefined, 'changed bytes are not handed out');
});

test('large content is not kept, and the oldest entries go beyond the budget', () => {
  const recent = new RecentContent(10, 20);
  const big = bytes('x'.repeat(11));
  recent.remember(cidOf(big), big);
  assert.equal(recent.take(cidOf(big)), undefined);
  const items = ['one-aaaaa', 'two-bbbbb', 'three-ccc'].map(bytes);
  for (const item of items) recent.remember(cidOf(item), item);
  assert.equal(recent.take(cidOf(items[0]!)), undefined, 'the oldest was dropped');
  assert.deepEqual(recent.take(cidOf(items[1]!)), items[1]);
  assert.deepEqual(recent.take(cidOf(items[2]!)), items[2]);
});
