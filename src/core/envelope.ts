import * as dagJson from '@ipld/dag-json';
import { CID } from 'multiformats/cid';
import { InvalidInputError, TooLargeError } from './errors.js';
import { eventCidString } from './cid.js';
import type { AggregateRef } from './subjects.js';
import { assertToken } from './subjects.js';
import { isUuidV7 } from './ids.js';
import { encodeCanonical } from './canonical-json.js';

const LINKS: ReadonlySet<string> = new Set(['prev']);

/** JSON value accepted as event data (DAG-JSON's data model without links or bytes). */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * The event envelope of DESIGN.md. One per message, encoded canonically as DAG-JSON; `prev` is the
 * CID (as a string here, a link on the wire) of the previous event of the same aggregate.
 */
export interface EventEnvelope<D extends JsonValue = JsonValue> extends AggregateRef {
  readonly id: string;
  readonly type: string;
  readonly version: number;
  readonly occurredAt: string;
  readonly actor: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly prev: string | null;
  readonly data: D;
}

/** An envelope together with its identity in the stream. */
export interface RecordedEvent<D extends JsonValue = JsonValue> {
  readonly event: EventEnvelope<D>;
  /** CID of the exact message body. */
  readonly cid: string;
  /** Global position: the JetStream stream sequence. */
  readonly position: number;
}

const EVENT_TYPE = /^[A-Z][A-Za-z0-9]{0,127}$/;

/** The fields of one event a caller chooses; id and time are generated when absent. */
export interface EventFields {
  readonly type: string;
  readonly id?: string | undefined;
  readonly occurredAt?: string | undefined;
}

/** Validates the fields a caller chooses for one event; throws InvalidInputError naming it. */
export function assertEventFields(fields: EventFields): void {
  if (!EVENT_TYPE.test(fields.type)) {
    throw new InvalidInputError(
      `The event type ${JSON.stringify(fields.type)} is not valid: use a PascalCase name in the past tense, such as UnitIngested.`,
    );
  }
  if (fields.id !== undefined && !isUuidV7(fields.id)) {
    throw new InvalidInputError(`The event id ${JSON.stringify(fields.id)} is not a UUIDv7.`);
  }
  if (fields.occurredAt !== undefined && Number.isNaN(Date.parse(fields.occurredAt))) {
    throw new InvalidInputError(`occurredAt ${JSON.stringify(fields.occurredAt)} is not a date.`);
  }
}

/** Validates a whole envelope; throws InvalidInputError naming the first bad field. */
export function assertEnvelope(envelope: EventEnvelope): void {
  assertToken('domain', envelope.domain);
  assertToken('aggregate type', envelope.aggregate);
  assertToken('aggregate id', envelope.aggregateId);
  assertEventFields(envelope);
  if (!Number.isSafeInteger(envelope.version) || envelope.version < 1) {
    throw new InvalidInputError(`The event version ${envelope.version} must be an integer ≥ 1.`);
  }
}

/**
 * Encodes an envelope as canonical DAG-JSON (sorted keys, no whitespace, `prev` as a link).
 * Throws InvalidInputError when `data` is not encodable, TooLargeError above `maxBytes`.
 */
export function encodeEnvelope(envelope: EventEnvelope, maxBytes = Infinity): Uint8Array {
  let body: Uint8Array;
  try {
    body = encodeCanonical(envelope, LINKS, () =>
      dagJson.encode({
        ...envelope,
        prev: envelope.prev === null ? null : CID.parse(envelope.prev),
      }),
    );
  } catch (err) {
    throw new InvalidInputError(
      `The data of event ${envelope.type} cannot be encoded as DAG-JSON (${(err as Error).message}): use plain JSON values only.`,
      { cause: err },
    );
  }
  if (body.byteLength > maxBytes) {
    throw new TooLargeError(`Event ${envelope.type}`, body.byteLength, maxBytes);
  }
  return body;
}

/** Encodes an envelope and computes its CID in one step. */
export function sealEnvelope(
  envelope: EventEnvelope,
  maxBytes = Infinity,
): { body: Uint8Array; cid: string } {
  const body = encodeEnvelope(envelope, maxBytes);
  return { body, cid: eventCidString(body) };
}

const decoder = new TextDecoder();

/**
 * Decodes a message body into an envelope. Uses JSON.parse (DAG-JSON is JSON) for speed and turns
 * the `prev` link back into a string; returns undefined when the body is not an envelope.
 */
export function decodeEnvelope(body: Uint8Array): EventEnvelope | undefined {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(body));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const raw = value as Record<string, unknown>;
  const prev = raw['prev'];
  let prevCid: string | null = null;
  if (prev !== null) {
    const link = (prev as Record<string, unknown> | undefined)?.['/'];
    if (typeof link !== 'string') return undefined;
    prevCid = link;
  }
  // The parsed object is ours alone: reuse it rather than copy it (hot on replay).
  raw['prev'] = prevCid;
  return hasEnvelopeFields(raw) ? raw : undefined;
}

/** The checks that make a parsed JSON object (its `prev` already a string) an envelope. */
function hasEnvelopeFields(
  raw: Record<string, unknown>,
): raw is Record<string, unknown> & EventEnvelope {
  return (
    typeof raw['id'] === 'string' &&
    typeof raw['type'] === 'string' &&
    typeof raw['version'] === 'number' &&
    typeof raw['domain'] === 'string' &&
    typeof raw['aggregate'] === 'string' &&
    typeof raw['aggregateId'] === 'string'
  );
}
