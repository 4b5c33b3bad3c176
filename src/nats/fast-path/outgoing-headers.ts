import type { MsgHdrs } from '@nats-io/nats-core';
import { headers } from '@nats-io/nats-core';
import { InvalidInputError } from '../../core/errors.js';

const FORBIDDEN_IN_VALUE = /[\r\n]/;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Headers for messages this process publishes: an ordered list of exact-case names, encoded to
 * the NATS/1.0 wire form in one pass. The client's own `headers()` rescans every key on each
 * `set` and canonicalises names, which cost more per event than hashing it on the append path.
 * Lookups match names exactly (the only mode CIM uses); status fields are those of a message
 * with no status, as outgoing messages have none.
 *
 * The client writes whatever `encode()` returns (as its `MsgHdrsImpl.encode`, not public API),
 * so these go to the client only through `ReplyMux`, which hands it {@link plainHeaders}
 * instead on the plain client path.
 */
export class OutgoingHeaders implements MsgHdrs {
  readonly hasError = false;
  readonly status = '';
  readonly code = 0;
  readonly description = '';
  /** Names and values alternating, in the order they were added: one array, no pair objects. */
  private readonly flat: string[] = [];

  /** Adds a value; throws InvalidInputError for a name or value NATS cannot carry. */
  append(name: string, value: string): void {
    if (!HEADER_NAME.test(name)) {
      throw new InvalidInputError(`${JSON.stringify(name)} is not a valid header name.`);
    }
    if (FORBIDDEN_IN_VALUE.test(value)) {
      throw new InvalidInputError(`The value of header ${name} cannot contain a line break.`);
    }
    this.flat.push(name, value.trim());
  }

  set(name: string, value: string): void {
    this.delete(name);
    this.append(name, value);
  }

  get(name: string): string {
    return this.values(name)[0] ?? '';
  }

  last(name: string): string {
    return this.values(name).at(-1) ?? '';
  }

  has(name: string): boolean {
    return this.values(name).length > 0;
  }

  keys(): string[] {
    const names = new Set<string>();
    for (let i = 0; i < this.flat.length; i += 2) names.add(this.flat[i]!);
    return [...names];
  }

  values(name: string): string[] {
    const found: string[] = [];
    for (let i = 0; i < this.flat.length; i += 2) {
      if (this.flat[i] === name) found.push(this.flat[i + 1]!);
    }
    return found;
  }

  delete(name: string): void {
    for (let i = this.flat.length - 2; i >= 0; i -= 2) {
      if (this.flat[i] === name) this.flat.splice(i, 2);
    }
  }

  *[Symbol.iterator](): Iterator<[string, string[]]> {
    for (const name of this.keys()) yield [name, this.values(name)];
  }

  /** The NATS/1.0 header block, as the client writes it before the payload. */
  encode(): Uint8Array {
    let text = 'NATS/1.0';
    for (let i = 0; i < this.flat.length; i += 2)
      text += `\r\n${this.flat[i]}: ${this.flat[i + 1]}`;
    // Buffer.from slices small strings out of a shared pool; TextEncoder allocates each time.
    return Buffer.from(`${text}\r\n\r\n`, 'utf8');
  }
}

/**
 * The client's own headers with the same names and values, for the plain client path; headers
 * that are not {@link OutgoingHeaders} are the client's already and returned as they are.
 */
export function plainHeaders(h: MsgHdrs): MsgHdrs {
  if (!(h instanceof OutgoingHeaders)) return h;
  const plain = headers();
  for (const [name, values] of h) for (const value of values) plain.append(name, value);
  return plain;
}
