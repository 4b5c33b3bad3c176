import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { contentCid } from '../core/cid.js';
import { InvalidInputError } from '../core/errors.js';
import { paramsCid, stepKey } from './step-key.js';

const inputCid = contentCid(new TextEncoder().encode('hello\n')).toString();
const otherInput = contentCid(new TextEncoder().encode('other\n')).toString();
const base = {
  processor: 'classify-rules',
  version: '1.2.0',
  params: { rules: [{ tag: 'invoices', keywords: ['invoice'] }], minScore: 2 },
  inputCid,
};

test('the step key is the dag-cbor CID of { processor: name@version, params: link, input: link }', () => {
  const key = stepKey(base);
  const record = dagCbor.encode({
    processor: 'classify-rules@1.2.0',
    params: CID.parse(paramsCid(base.params)),
    input: CID.parse(inputCid),
  });
  const digest = createHash('sha256').update(record).digest();
  const expected = CID.decode(
    Buffer.concat([Buffer.from([0x01, 0x71, 0x12, 0x20]), digest]),
  ).toString();
  assert.equal(key, expected);
  assert.ok(key.startsWith('bafyrei'));
});

test('the same inputs in another key order give the same key and params CID', () => {
  const reordered = {
    inputCid,
    params: { minScore: 2, rules: [{ keywords: ['invoice'], tag: 'invoices' }] },
    version: '1.2.0',
    processor: 'classify-rules',
  };
  assert.equal(stepKey(reordered), stepKey(base));
  assert.equal(paramsCid(reordered.params), paramsCid(base.params));
  // `v1.2.0` is the same version, so it must not make another key.
  assert.equal(stepKey({ ...base, version: 'v1.2.0' }), stepKey(base));
});

test('a different processor, version, params or input gives a different key', () => {
  const key = stepKey(base);
  assert.notEqual(stepKey({ ...base, processor: 'classify-llm' }), key);
  assert.notEqual(stepKey({ ...base, version: '1.2.1' }), key);
  assert.notEqual(stepKey({ ...base, params: { ...base.params, minScore: 3 } }), key);
  assert.notEqual(stepKey({ ...base, inputCid: otherInput }), key);
  assert.notEqual(paramsCid({ a: [1, 2] }), paramsCid({ a: [2, 1] }));
});

test('params DAG-CBOR cannot store are refused, naming the param path', () => {
  const refused = (params: Record<string, unknown>, pattern: RegExp) =>
    assert.throws(
      () => stepKey({ ...base, params }),
      (err: unknown) => err instanceof InvalidInputError && pattern.test(err.message),
    );
  refused(
    { a: { b: undefined } },
    /^Step key: params\.a\.b is undefined, which DAG-CBOR cannot store/,
  );
  refused({ f: () => 1 }, /params\.f is a function/);
  refused({ list: [1, NaN] }, /params\.list\[1\] is NaN/);
  refused({ x: Infinity }, /params\.x is Infinity/);
  refused({ id: 2 ** 60 }, /params\.id is 1152921504606847000, too large to keep exactly/);
  refused({ when: new Date(0) }, /params\.when is a Date, which DAG-CBOR cannot store/);
  refused({ m: new Map() }, /params\.m is a Map/);
  const sparse: unknown[] = [];
  sparse[1] = 1; // index 0 is a hole
  refused({ 'odd key': sparse }, /params\["odd key"\]\[0\] is undefined/);
  const loop: Record<string, unknown> = {};
  loop['self'] = loop;
  refused(loop, /params\.self contains itself/);
  // Bytes, links, nulls and floats are all DAG-CBOR.
  assert.doesNotThrow(() =>
    paramsCid({ bytes: new Uint8Array([1]), link: CID.parse(inputCid), none: null, f: 0.5 }),
  );
});

test('a malformed processor name, version or input CID is refused', () => {
  assert.throws(() => stepKey({ ...base, processor: 'Bad Name' }), /is not a processor name/);
  assert.throws(() => stepKey({ ...base, version: '^1' }), /not a semver version such as 1\.2\.0/);
  assert.throws(() => stepKey({ ...base, inputCid: 'nope' }), /input "nope" is not a CID/);
});
