import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7, validate, version } from 'uuid';

/** Random bytes are drawn in blocks: WebCrypto's per-call cost dominated id generation. */
const POOL = Buffer.alloc(16 * 512);
let poolOffset = POOL.length;
/** Millisecond and counter of the last id, so ids made in the same millisecond still sort. */
let lastMsecs = -Infinity;
let seq = 0;

function randomBlock(): Uint8Array {
  if (poolOffset >= POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const block = POOL.subarray(poolOffset, poolOffset + 16);
  poolOffset += 16;
  return block;
}

/** A new UUIDv7: time-ordered, and strictly increasing within this process. */
export function newId(): string {
  const random = randomBlock();
  const now = Date.now();
  if (now > lastMsecs) {
    lastMsecs = now;
    // Start each millisecond's counter at a random 31-bit value, as RFC 9562 method 2 suggests.
    seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) lastMsecs++;
  }
  return uuidv7({ random, msecs: lastMsecs, seq });
}

/** True when `value` is a syntactically valid UUID of version 7. */
export function isUuidV7(value: string): boolean {
  return validate(value) && version(value) === 7;
}

let isoMsecs = -1;
let isoText = '';

/** The current time as an ISO 8601 string; made once per millisecond, as appends ask often. */
export function nowIso(): string {
  const now = Date.now();
  if (now !== isoMsecs) {
    isoMsecs = now;
    isoText = new Date(now).toISOString();
  }
  return isoText;
}
