import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dagJson from '@ipld/dag-json';
import { CID } from 'multiformats/cid';
import { encodeEnvelope, sealEnvelope } from './envelope.js';
import type { EventEnvelope, JsonValue } from './envelope.js';
import { encodeCanonical } from './canonical-json.js';
import { newId } from './ids.js';

function reference(envelope: EventEnvelope): Uint8Array {
  return dagJson.encode({
    ...envelope,
    prev: envelope.prev === null ? null : CID.parse(envelope.prev),
  });
}

const samples: JsonValue[] = [
  {},
  [],
  { b: 1, a: 2, B: 3, _: 4, aa: 5, 'a-b': 6, Z: 7, '': 8 },
  { text: 'é ü 中文 🎉 \u0000 \u001f "quoted" \\ back\nslash\ttab \u2028 \u2029' },
  { nested: { z: [1, -2, { y: null, x: true }], a: { deep: { deeper: [false, 'x'] } } } },
  { big: Number.MAX_SAFE_INTEGER, small: Number.MIN_SAFE_INTEGER, zero: 0 },
  { float: 1.5, tiny: 1e-7, large: 1e21, neg: -0.25 },
  { keys: { ä: 1, a: 2, z: 3, '10': 4, '9': 5, '😀': 6, Ω: 7 } },
  'just a string',
  42,
  null,
  [1, 'two', [3, [4, { five: 5 }]]],
];

test('the fast canonical encoding is byte-identical to @ipld/dag-json for varied data', () => {
  let prev: string | null = null;
  for (const [i, data] of samples.entries()) {
    const envelope: EventEnvelope = {
      id: newId(),
      type: 'SampleRecorded',
      domain: 'test',
      aggregate: 'Sample',
      aggregateId: 's1',
      version: i + 1,
      occurredAt: new Date(1_700_000_000_000 + i).toISOString(),
      actor: 'tester ✓',
      correlationId: newId(),
      causationId: i % 2 === 0 ? null : newId(),
      prev,
      data,
    };
    assert.deepEqual(
      Buffer.from(encodeEnvelope(envelope)),
      Buffer.from(reference(envelope)),
      JSON.stringify(data),
    );
    prev = sealEnvelope(envelope).cid;
  }
});

test('values the fast path declines go to the fallback, which decides', () => {
  let calls = 0;
  const fallback = () => {
    calls++;
    return new Uint8Array([1]);
  };
  for (const value of [
    { n: 1.5 },
    { n: -0 },
    { u: undefined },
    { '/': 'x' },
    { s: '\ud800' },
    { d: new Date(0) },
  ]) {
    encodeCanonical({ data: value }, new Set(), fallback);
  }
  assert.equal(calls, 6);
  assert.deepEqual(
    Buffer.from(encodeCanonical({ b: 1, a: 'x' }, new Set(), fallback)).toString(),
    '{"a":"x","b":1}',
  );
});
