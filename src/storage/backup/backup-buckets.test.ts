import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as buckets from '../../core/buckets.js';
import { BACKED_UP_BUCKETS, NOT_BACKED_UP } from './backup-buckets.js';

test('every bucket named in core/buckets.ts is backed up or left out with a reason, not both', () => {
  const named: string[] = Object.values(buckets);
  assert.ok(named.length >= 6, 'the buckets were found');
  for (const bucket of named) {
    const kept = BACKED_UP_BUCKETS.includes(bucket);
    const left = bucket in NOT_BACKED_UP;
    assert.ok(kept !== left, `bucket ${bucket}: backed up ${kept}, left out ${left}`);
  }
  for (const bucket of [...BACKED_UP_BUCKETS, ...Object.keys(NOT_BACKED_UP)]) {
    assert.ok(named.includes(bucket), `${bucket} is not a bucket of core/buckets.ts`);
  }
});
