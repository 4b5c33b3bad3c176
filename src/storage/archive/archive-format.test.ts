import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dagCbor from '@ipld/dag-cbor';
import { contentCid, eventCidString } from '../../core/cid.js';
import type { ArchivedEvent } from '../../events/archived-history.js';
import {
  decodeIndex,
  decodeSegment,
  encodeIndex,
  encodeSegment,
  INDEX_FORMAT,
  SEGMENT_FORMAT,
} from './archive-format.js';

const event = (position: number, prevPosition = 0): ArchivedEvent => {
  const body = new TextEncoder().encode(`{"position":${position}}`);
  return {
    position,
    subject: `cim.events.units.Unit.u${position % 3}`,
    body,
    cid: eventCidString(body),
    prevPosition,
    recordedAt: 1_700_000_000_000 + position,
  };
};

test('a segment round-trips byte for byte and is named by the raw CID of its bytes', () => {
  const events = [event(4), event(5, 4), event(9, 5)];
  const encoded = encodeSegment('CIM_EVENTS', events);
  assert.equal(encoded.cid, contentCid(encoded.bytes).toString());
  assert.match(encoded.cid, /^bafkrei/);
  assert.deepEqual(decodeSegment(encoded.bytes, encoded.cid, 'CIM_EVENTS'), events);
  const raw = dagCbor.decode(encoded.bytes) as { format: string; first: number; last: number };
  assert.equal(raw.format, SEGMENT_FORMAT);
  assert.deepEqual([raw.first, raw.last], [4, 9]);
  assert.equal(encodeSegment('CIM_EVENTS', events).cid, encoded.cid, 'the encoding is stable');
});

test('a segment of another stream, out of order, or in another format is refused', () => {
  const ok = encodeSegment('CIM_EVENTS', [event(1)]);
  assert.throws(() => decodeSegment(ok.bytes, ok.cid, 'OTHER'), /belongs to stream CIM_EVENTS/);
  const shuffled = dagCbor.decode(encodeSegment('CIM_EVENTS', [event(1), event(2)]).bytes) as {
    events: unknown[];
  };
  shuffled.events.reverse();
  assert.throws(
    () => decodeSegment(dagCbor.encode(shuffled), 'x', 'CIM_EVENTS'),
    /lists position 1 out of order/,
  );
  assert.throws(
    () => decodeSegment(dagCbor.encode({ format: 'other' }), 'y', 'CIM_EVENTS'),
    /archive segment y is not in the format cim\/event-archive-segment@1 \(format:/,
  );
  assert.throws(
    () => decodeSegment(new Uint8Array([0xff, 0x00]), 'z', 'CIM_EVENTS'),
    /not DAG-CBOR/,
  );
});

test('an index round-trips with its link to the previous index', () => {
  const segment = encodeSegment('CIM_EVENTS', [event(1), event(2, 1)]);
  const first = encodeIndex({
    stream: 'CIM_EVENTS',
    previous: null,
    sealedAt: '2026-11-25T12:00:00.000Z',
    segments: [
      {
        cid: segment.cid,
        first: 1,
        last: 2,
        events: 2,
        bytes: segment.bytes.length,
        firstRecordedAt: 1,
        lastRecordedAt: 2,
      },
    ],
  });
  const second = { stream: 'CIM_EVENTS', previous: first.cid, sealedAt: 'now', segments: [] };
  const encoded = encodeIndex(second);
  assert.deepEqual(decodeIndex(encoded.bytes, encoded.cid), second);
  assert.equal(decodeIndex(first.bytes, first.cid).segments[0]!.cid, segment.cid);
  assert.equal((dagCbor.decode(first.bytes) as { format: string }).format, INDEX_FORMAT);
});
