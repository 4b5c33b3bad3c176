import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { z } from 'zod';
import { contentCid } from '../../core/cid.js';
import { IntegrityError } from '../../core/errors.js';
import { describeIssue, firstIssue } from '../../core/zod-issue.js';
import type { ArchivedEvent } from '../../events/archived-history.js';

/** Format tag of a segment object; a reader refuses any other. */
export const SEGMENT_FORMAT = 'cim/event-archive-segment@1';
/** Format tag of an index object. */
export const INDEX_FORMAT = 'cim/event-archive-index@1';

/** A segment is sealed once it holds this many events… */
export const SEGMENT_MAX_EVENTS = 5_000;
/** …or this many bytes of event bodies, so a segment is always read and verified whole. */
export const SEGMENT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** One segment as an index lists it. */
export interface SegmentRef {
  /** Object name in the tier: CIDv1, raw, sha2-256 of the segment's DAG-CBOR bytes. */
  readonly cid: string;
  readonly first: number;
  readonly last: number;
  readonly events: number;
  readonly bytes: number;
  readonly firstRecordedAt: number;
  readonly lastRecordedAt: number;
}

/** One index object: the segments one seal run added, and the index before it. */
export interface ArchiveIndex {
  readonly stream: string;
  readonly previous: string | null;
  readonly sealedAt: string;
  readonly segments: readonly SegmentRef[];
}

/** An encoded object ready to be put in a tier. */
export interface EncodedObject {
  readonly cid: string;
  readonly bytes: Uint8Array;
}

const cidLink = z.custom<CID>((v) => CID.asCID(v) !== null, 'a CID link');
const count = z.number().int().nonnegative();
const position = z.number().int().positive();

const segmentSchema = z.object({
  format: z.literal(SEGMENT_FORMAT),
  stream: z.string(),
  first: position,
  last: position,
  events: z.array(
    z.object({
      position,
      subject: z.string(),
      cid: cidLink,
      prevPosition: count,
      recordedAt: count,
      body: z.instanceof(Uint8Array),
    }),
  ),
});

const indexSchema = z.object({
  format: z.literal(INDEX_FORMAT),
  stream: z.string(),
  previous: cidLink.nullable(),
  sealedAt: z.string(),
  segments: z.array(
    z.object({
      cid: cidLink,
      first: position,
      last: position,
      events: count,
      bytes: count,
      firstRecordedAt: count,
      lastRecordedAt: count,
    }),
  ),
});

function encoded(value: unknown): EncodedObject {
  const bytes = dagCbor.encode(value);
  return { cid: contentCid(bytes).toString(), bytes };
}

function decoded<T>(bytes: Uint8Array, schema: z.ZodType<T>, what: string, cid: string): T {
  let value: unknown;
  try {
    value = dagCbor.decode(bytes);
  } catch (err) {
    throw new IntegrityError(`The ${what} ${cid} is not DAG-CBOR.`, { cause: err });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new IntegrityError(
      `The ${what} ${cid} is not in the format ${what === 'archive segment' ? SEGMENT_FORMAT : INDEX_FORMAT} (${describeIssue(firstIssue(parsed.error))}).`,
    );
  }
  return parsed.data;
}

/** Encodes events (in stream order, at least one) into a segment object. */
export function encodeSegment(stream: string, events: readonly ArchivedEvent[]): EncodedObject {
  const first = events[0];
  const last = events.at(-1);
  if (first === undefined || last === undefined) throw new RangeError('A segment needs events.');
  return encoded({
    format: SEGMENT_FORMAT,
    stream,
    first: first.position,
    last: last.position,
    events: events.map((e) => ({
      position: e.position,
      subject: e.subject,
      cid: CID.parse(e.cid),
      prevPosition: e.prevPosition,
      recordedAt: e.recordedAt,
      body: e.body,
    })),
  });
}

/**
 * Decodes a segment object whose bytes were verified against `cid`; refuses one that is not a
 * segment of `stream` or whose positions do not rise strictly within its stated range.
 */
export function decodeSegment(bytes: Uint8Array, cid: string, stream: string): ArchivedEvent[] {
  const segment = decoded(bytes, segmentSchema, 'archive segment', cid);
  if (segment.stream !== stream) {
    throw new IntegrityError(`The archive segment ${cid} belongs to stream ${segment.stream}.`);
  }
  let previous = segment.first - 1;
  const events = segment.events.map((e): ArchivedEvent => {
    if (e.position <= previous || e.position > segment.last) {
      throw new IntegrityError(
        `The archive segment ${cid} lists position ${e.position} out of order.`,
      );
    }
    previous = e.position;
    return { ...e, cid: e.cid.toString() };
  });
  return events;
}

/** Encodes an index object. */
export function encodeIndex(index: ArchiveIndex): EncodedObject {
  return encoded({
    format: INDEX_FORMAT,
    stream: index.stream,
    previous: index.previous === null ? null : CID.parse(index.previous),
    sealedAt: index.sealedAt,
    segments: index.segments.map((s) => ({ ...s, cid: CID.parse(s.cid) })),
  });
}

/** Decodes an index object whose bytes were verified against `cid`. */
export function decodeIndex(bytes: Uint8Array, cid: string): ArchiveIndex {
  const index = decoded(bytes, indexSchema, 'archive index', cid);
  return {
    stream: index.stream,
    previous: index.previous === null ? null : index.previous.toString(),
    sealedAt: index.sealedAt,
    segments: index.segments.map((s) => ({ ...s, cid: s.cid.toString() })),
  };
}
