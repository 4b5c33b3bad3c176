import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import { decodeEnvelope, encodeEnvelope, sealEnvelope, assertEnvelope } from './envelope.js';
import type { EventEnvelope } from './envelope.js';
import { newId, isUuidV7 } from './ids.js';
import { InvalidInputError, TooLargeError } from './errors.js';
import { contentCid, eventCidString } from './cid.js';

function envelope(overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  return {
    id: newId(),
    type: 'NoteWritten',
    domain: 'notes',
    aggregate: 'Note',
    aggregateId: 'n1',
    version: 1,
    occurredAt: '2026-11-22T10:00:00.000Z',
    actor: 'test',
    correlationId: newId(),
    causationId: null,
    prev: null,
    data: { zeta: 1, alpha: 'é', nested: { b: [1, 2], a: true } },
    ...overrides,
  };
}

test('ids are UUIDv7 and strictly increasing, also within one millisecond', () => {
  const ids = Array.from({ length: 10_000 }, () => newId());
  assert.ok(ids.every(isUuidV7));
  for (let i = 1; i < ids.length; i++)
    assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]}`);
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(isUuidV7('00000000-0000-4000-8000-000000000000'), false);
});

test('encoding is canonical DAG-JSON: sorted keys, no whitespace', () => {
  const text = new TextDecoder().decode(encodeEnvelope(envelope()));
  assert.ok(!/\s/.test(text.replace(/"[^"]*"/g, '')), 'no whitespace outside strings');
  const keys = Object.keys(JSON.parse(text) as object);
  assert.deepEqual(keys, [...keys].sort());
  assert.ok(text.includes('"nested":{"a":true,"b":[1,2]}'));
});

test('the event CID is CIDv1 dag-json sha2-256 of the exact body, recomputable independently', () => {
  const { body, cid } = sealEnvelope(envelope());
  const digest = createHash('sha256').update(body).digest();
  // 0x01 CIDv1, 0x80 0x02 = varint 0x0129 (dag-json), 0x12 sha2-256, 0x20 length 32
  const bytes = Buffer.concat([Buffer.from([0x01, 0xa9, 0x02, 0x12, 0x20]), digest]);
  assert.equal(cid, CID.decode(bytes).toString());
  assert.ok(cid.startsWith('baguqeera'));
  assert.equal(eventCidString(body), cid);
});

test('prev is a link on the wire and a string after decoding', () => {
  const first = sealEnvelope(envelope());
  const second = envelope({ version: 2, prev: first.cid });
  const body = encodeEnvelope(second);
  assert.ok(new TextDecoder().decode(body).includes(`"prev":{"/":"${first.cid}"}`));
  assert.deepEqual(decodeEnvelope(body), second);
});

test('decodeEnvelope returns undefined for bodies that are not envelopes', () => {
  assert.equal(decodeEnvelope(new TextEncoder().encode('not json')), undefined);
  assert.equal(decodeEnvelope(new TextEncoder().encode('{"id":1}')), undefined);
});

test('oversize events and unencodable data are refused', () => {
  assert.throws(() => encodeEnvelope(envelope({ data: 'x'.repeat(5000) }), 1024), TooLargeError);
  assert.throws(() => encodeEnvelope(envelope({ data: { n: NaN } })), InvalidInputError);
});

test('assertEnvelope names the bad field', () => {
  assert.throws(() => assertEnvelope(envelope({ type: 'wrote note' })), /event type/);
  assert.throws(() => assertEnvelope(envelope({ version: 0 })), /version/);
  assert.throws(() => assertEnvelope(envelope({ id: 'nope' })), /UUIDv7/);
  assert.throws(() => assertEnvelope(envelope({ domain: 'a.b' })), /domain/);
});

test('content CIDs follow the raw sha2-256 profile', () => {
  const bytes = new TextEncoder().encode('hello\n');
  const digest = createHash('sha256').update(bytes).digest();
  const expected = CID.decode(Buffer.concat([Buffer.from([0x01, 0x55, 0x12, 0x20]), digest]));
  assert.equal(contentCid(bytes).toString(), expected.toString());
  assert.ok(expected.toString().startsWith('bafkrei'));
});
