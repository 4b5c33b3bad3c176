import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm } from '@nats-io/kv';
import { PROJECTIONS_BUCKET } from '../core/buckets.js';
import type { ReadMark } from './verify.js';

const PREFIX = 'checkpoint.';

/**
 * Every projection's checkpoint (bucket `cim-projections`, its own stream): positions some
 * reader saw in the event stream, which the stream must still reach.
 */
export async function readMarks(nc: NatsConnection): Promise<ReadMark[]> {
  const kv = await new Kvm(nc).open(PROJECTIONS_BUCKET);
  const marks: ReadMark[] = [];
  for await (const key of await kv.keys(`${PREFIX}>`)) {
    const entry = await kv.get(key);
    const position = entry?.operation === 'PUT' ? Number(entry.string()) : NaN;
    if (Number.isSafeInteger(position) && position > 0) {
      marks.push({ name: `projection ${key.slice(PREFIX.length)}`, position });
    }
  }
  return marks;
}
