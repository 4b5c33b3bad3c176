import { createRequire } from 'node:module';

/** The parts of the client's `DenoBuffer` that hold a message's payload while it arrives. */
interface PayloadBuffer {
  _buf: Uint8Array;
  _off: number;
  readonly capacity: number;
  bytes(options: { copy: boolean }): Uint8Array;
}

interface ParserInternals {
  ma?: { size: number };
  msgBuf?: PayloadBuffer;
  parse(buf: Uint8Array): void;
}

/**
 * Makes the NATS client assemble a message that spans socket reads in one buffer of its final
 * size.
 *
 * The client's parser copies the first part of such a message into a buffer that doubles as
 * the rest arrives: a 512 KiB content chunk read in 64 KiB pieces allocated ~1.6 MiB and copied
 * itself three times, and the ArrayBuffer churn started a full (mark-compact) GC every
 * 50–150 ms while tiering. The message's size is known from its `MSG`/`HMSG` line, so once the
 * parser has started its buffer this replaces it with one of exactly that size holding the same
 * bytes; the parser then fills it without growing and hands it out as the message's data.
 *
 * The parser is not public API: `installFastPath` calls this once, only at the version of
 * `@nats-io/nats-core` it was written for, and this still checks the shape it patches and leaves
 * the client untouched when it differs.
 */
export function presizeNatsReads(): void {
  const require = createRequire(import.meta.url);
  let core: { Parser?: { prototype: ParserInternals } };
  try {
    core = require('@nats-io/nats-core/internal') as typeof core;
  } catch {
    return;
  }
  const proto = core.Parser?.prototype;
  if (!proto || typeof proto.parse !== 'function') return;
  const parse = proto.parse;
  proto.parse = function (this: ParserInternals, buf: Uint8Array): void {
    parse.call(this, buf);
    const pending = this.msgBuf;
    const size = this.ma?.size ?? 0;
    if (pending === undefined || !(size > pending.capacity) || !isPayloadBuffer(pending)) return;
    const held = pending.bytes({ copy: false });
    const whole = new Uint8Array(size);
    whole.set(held);
    // The buffer re-slices its contents from `_buf.buffer` at offset 0, which `whole` starts at.
    pending._buf = whole.subarray(0, held.length);
    pending._off = 0;
  };
}

function isPayloadBuffer(buf: PayloadBuffer): boolean {
  return (
    buf._buf instanceof Uint8Array &&
    typeof buf._off === 'number' &&
    typeof buf.bytes === 'function'
  );
}
