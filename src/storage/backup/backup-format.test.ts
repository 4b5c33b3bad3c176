import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentCid } from '../../core/cid.js';
import { IntegrityError } from '../../core/errors.js';
import type { BackupManifest } from './backup-format.js';
import {
  decodeContentList,
  decodeKvSegment,
  decodeManifest,
  encodeContentList,
  encodeKvSegment,
  encodeManifest,
} from './backup-format.js';

const cid = (text: string) => contentCid(new TextEncoder().encode(text)).toString();

const manifest: BackupManifest = {
  createdAt: '2026-12-01T23:00:00.000Z',
  previous: cid('previous'),
  stream: 'CIM_EVENTS',
  events: {
    after: 10,
    through: 12,
    count: 2,
    segments: [
      {
        cid: cid('segment'),
        first: 11,
        last: 12,
        events: 2,
        bytes: 300,
        firstRecordedAt: 1,
        lastRecordedAt: 2,
      },
    ],
  },
  buckets: [
    {
      bucket: 'cim-step-results',
      after: 0,
      through: 5,
      segments: [{ cid: cid('kv'), first: 1, last: 5, entries: 3, bytes: 90 }],
    },
  ],
  content: [
    {
      tier: 'hot',
      copied: true,
      objects: 1,
      bytes: 4,
      lists: [{ cid: cid('l'), objects: 1, bytes: 4 }],
    },
  ],
  consumers: [{ name: 'cim-pipeline-documents', config: '{"durable_name":"x"}', ackFloor: 12 }],
};

test('a manifest reads back as written, and its CID names its bytes', () => {
  const object = encodeManifest(manifest);
  assert.equal(object.cid, contentCid(object.bytes).toString());
  assert.deepEqual(decodeManifest(object.bytes, object.cid), manifest);
});

test('KV segments and content lists read back; another bucket or tier is refused', () => {
  const entries = [
    { key: 'a', revision: 3, operation: 'PUT' as const, value: new Uint8Array([1, 2]) },
    { key: 'b', revision: 7, operation: 'DEL' as const, value: new Uint8Array() },
  ];
  const kv = encodeKvSegment('cim-dead-letters', entries);
  assert.deepEqual(decodeKvSegment(kv.bytes, kv.cid, 'cim-dead-letters'), entries);
  assert.throws(() => decodeKvSegment(kv.bytes, kv.cid, 'cim-step-results'), IntegrityError);
  const list = encodeContentList('hot', [{ cid: cid('x'), size: 1 }]);
  assert.deepEqual(decodeContentList(list.bytes, list.cid, 'hot'), [{ cid: cid('x'), size: 1 }]);
  assert.throws(() => decodeContentList(list.bytes, list.cid, 'warm'), IntegrityError);
});

test('KV entries out of revision order and objects of another format are refused', () => {
  const kv = encodeKvSegment('b', [
    { key: 'a', revision: 7, operation: 'PUT', value: new Uint8Array() },
    { key: 'b', revision: 3, operation: 'PUT', value: new Uint8Array() },
  ]);
  assert.throws(() => decodeKvSegment(kv.bytes, kv.cid, 'b'), /out of order/);
  const list = encodeContentList('hot', []);
  assert.throws(
    () => decodeManifest(list.bytes, list.cid),
    /not in the format cim\/backup-manifest@1/,
  );
});
