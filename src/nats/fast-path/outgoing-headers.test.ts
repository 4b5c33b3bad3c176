import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headers } from '@nats-io/nats-core';
import { OutgoingHeaders } from './outgoing-headers.js';

const entries: [string, string][] = [
  ['Nats-Msg-Id', '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'],
  ['Nats-Expected-Last-Subject-Sequence', '42'],
  ['Cim-Event-Cid', 'baguqeeraexample'],
  ['Cim-Prev-Position', ' 42 '],
];

test('the wire form is byte-identical to the client headers for the same entries', () => {
  const ours = new OutgoingHeaders();
  const theirs = headers();
  for (const [k, v] of entries) {
    ours.append(k, v);
    theirs.append(k, v);
  }
  // encode() is what the client calls when it writes a message; it is not in the public type.
  const wire = (theirs as unknown as { encode(): Uint8Array }).encode();
  assert.deepEqual(Buffer.from(ours.encode()), Buffer.from(wire));
});

test('lookups, replacement and deletion match names exactly', () => {
  const h = new OutgoingHeaders();
  h.append('A-One', '1');
  h.append('A-One', '2');
  h.append('B-Two', 'x');
  assert.equal(h.get('A-One'), '1');
  assert.equal(h.last('A-One'), '2');
  assert.deepEqual(h.values('A-One'), ['1', '2']);
  assert.equal(h.has('a-one'), false);
  h.set('A-One', '3');
  assert.deepEqual(h.values('A-One'), ['3']);
  assert.deepEqual(h.keys(), ['B-Two', 'A-One']);
  h.delete('B-Two');
  assert.deepEqual([...h], [['A-One', ['3']]]);
  assert.equal(h.get('Missing'), '');
  assert.equal(h.hasError, false);
});

test('names and values NATS cannot carry are refused with a sentence', () => {
  const h = new OutgoingHeaders();
  assert.throws(() => h.append('Bad Name', 'v'), { code: 'invalid_input', message: /header name/ });
  assert.throws(() => h.append('Ok', 'line\r\nbreak'), {
    code: 'invalid_input',
    message: /line break/,
  });
  assert.equal(Buffer.from(h.encode()).toString(), 'NATS/1.0\r\n\r\n');
});
