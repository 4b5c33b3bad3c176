import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectFeatures, parseServerVersion } from './features.js';

test('Debian 12’s 2.9 offers none of the newer features', () => {
  assert.deepEqual(detectFeatures('2.9.10'), {
    metadataAndMultiFilter: false,
    clusterSafe: false,
    messageTtl: false,
    batchDirectGet: false,
    atomicBatch: false,
  });
});

test('features switch on at 2.10, 2.11 and 2.12', () => {
  assert.equal(detectFeatures('2.10.27').clusterSafe, true);
  assert.equal(detectFeatures('2.10.27').messageTtl, false);
  assert.equal(detectFeatures('v2.11.0').messageTtl, true);
  assert.equal(detectFeatures('2.11.9').atomicBatch, false);
  assert.equal(detectFeatures('2.12.1-beta').atomicBatch, true);
  assert.equal(detectFeatures('3.0.0').atomicBatch, true);
});

test('unparseable versions detect nothing', () => {
  assert.equal(parseServerVersion('dev'), undefined);
  assert.equal(detectFeatures('dev').metadataAndMultiFilter, false);
});
