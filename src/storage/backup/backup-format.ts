import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { z } from 'zod';
import { contentCid } from '../../core/cid.js';
import { IntegrityError } from '../../core/errors.js';
import { describeIssue, firstIssue } from '../../core/zod-issue.js';
import type { EncodedObject, SegmentRef } from '../archive/archive-format.js';

/** Format tag of a backup manifest; a reader refuses any other. */
export const MANIFEST_FORMAT = 'cim/backup-manifest@1';
/** Format tag of a segment of KV entries. */
export const KV_SEGMENT_FORMAT = 'cim/backup-kv-segment@1';
/** Format tag of a list of content objects. */
export const CONTENT_LIST_FORMAT = 'cim/backup-content-list@1';

/** A KV segment is sealed once it holds this many entries or bytes of values. */
export const KV_SEGMENT_MAX_ENTRIES = 5_000;
export const KV_SEGMENT_MAX_BYTES = 4 * 1024 * 1024;
/** A content list holds at most this many objects. */
export const CONTENT_LIST_MAX = 10_000;

/** One KV entry as the bucket's stream holds it: a value, or a delete or purge marker. */
export interface KvEntry {
  readonly key: string;
  /** The entry's revision: its sequence in the bucket's stream `KV_<bucket>`. */
  readonly revision: number;
  readonly operation: 'PUT' | 'DEL' | 'PURGE';
  readonly value: Uint8Array;
}

/** One KV segment as a manifest lists it. */
export interface KvSegmentRef {
  readonly cid: string;
  readonly first: number;
  readonly last: number;
  readonly entries: number;
  readonly bytes: number;
}

/** What a backup holds of one KV bucket: its entries with revisions in (after, through]. */
export interface BucketBackup {
  readonly bucket: string;
  readonly after: number;
  readonly through: number;
  readonly segments: readonly KvSegmentRef[];
}

/** One list of content objects as a manifest names it. */
export interface ContentListRef {
  readonly cid: string;
  readonly objects: number;
  readonly bytes: number;
}

/** One content object a list names. */
export interface ContentEntry {
  readonly cid: string;
  readonly size: number;
}

/**
 * Where the node's content was when the backup was made, tier by tier: every object of `tier`.
 * `copied`: the backup tier holds a copy of each (hot's content), restored into `tier`; otherwise
 * the objects stayed in `tier` (a warm or cold tier outside the node), which a restore checks.
 */
export interface TierContent {
  readonly tier: string;
  readonly copied: boolean;
  readonly objects: number;
  readonly bytes: number;
  readonly lists: readonly ContentListRef[];
}

/** A durable consumer of the event stream (a pipeline's) and how far it had acknowledged. */
export interface ConsumerBackup {
  readonly name: string;
  /** Its configuration as the server reported it, as JSON. */
  readonly config: string;
  /** Stream position up to which every message it was given was acknowledged. */
  readonly ackFloor: number;
}

/** A backup: what one run wrote, and the backup before it (whose objects it builds on). */
export interface BackupManifest {
  readonly createdAt: string;
  /** The manifest of the backup this one adds to, or null for a full backup. */
  readonly previous: string | null;
  readonly stream: string;
  /** Events at positions (after, through], sealed as event archive segments. */
  readonly events: {
    readonly after: number;
    readonly through: number;
    readonly count: number;
    readonly segments: readonly SegmentRef[];
  };
  readonly buckets: readonly BucketBackup[];
  readonly content: readonly TierContent[];
  readonly consumers: readonly ConsumerBackup[];
}

const cidLink = z.custom<CID>((v) => CID.asCID(v) !== null, 'a CID link');
const count = z.number().int().nonnegative();
const link = cidLink.transform((c) => c.toString());

const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  createdAt: z.string(),
  previous: link.nullable(),
  stream: z.string(),
  events: z.object({
    after: count,
    through: count,
    count,
    segments: z.array(
      z.object({
        cid: link,
        first: count,
        last: count,
        events: count,
        bytes: count,
        firstRecordedAt: count,
        lastRecordedAt: count,
      }),
    ),
  }),
  buckets: z.array(
    z.object({
      bucket: z.string(),
      after: count,
      through: count,
      segments: z.array(
        z.object({ cid: link, first: count, last: count, entries: count, bytes: count }),
      ),
    }),
  ),
  content: z.array(
    z.object({
      tier: z.string(),
      copied: z.boolean(),
      objects: count,
      bytes: count,
      lists: z.array(z.object({ cid: link, objects: count, bytes: count })),
    }),
  ),
  consumers: z.array(z.object({ name: z.string(), config: z.string(), ackFloor: count })),
});

const kvSegmentSchema = z.object({
  format: z.literal(KV_SEGMENT_FORMAT),
  bucket: z.string(),
  entries: z.array(
    z.object({
      key: z.string(),
      revision: count,
      operation: z.enum(['PUT', 'DEL', 'PURGE']),
      value: z.instanceof(Uint8Array),
    }),
  ),
});

const contentListSchema = z.object({
  format: z.literal(CONTENT_LIST_FORMAT),
  tier: z.string(),
  objects: z.array(z.object({ cid: link, size: count })),
});

function encoded(value: unknown): EncodedObject {
  const bytes = dagCbor.encode(value);
  return { cid: contentCid(bytes).toString(), bytes };
}

function decoded<T>(bytes: Uint8Array, schema: z.ZodType<T>, format: string, cid: string): T {
  let value: unknown;
  try {
    value = dagCbor.decode(bytes);
  } catch (err) {
    throw new IntegrityError(`The backup object ${cid} is not DAG-CBOR.`, { cause: err });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new IntegrityError(
      `The backup object ${cid} is not in the format ${format} (${describeIssue(firstIssue(parsed.error))}).`,
    );
  }
  return parsed.data;
}

const asLink = (cid: string) => CID.parse(cid);

/** Encodes a manifest. */
export function encodeManifest(manifest: BackupManifest): EncodedObject {
  return encoded({
    format: MANIFEST_FORMAT,
    createdAt: manifest.createdAt,
    previous: manifest.previous === null ? null : asLink(manifest.previous),
    stream: manifest.stream,
    events: {
      ...manifest.events,
      segments: manifest.events.segments.map((s) => ({ ...s, cid: asLink(s.cid) })),
    },
    buckets: manifest.buckets.map((b) => ({
      ...b,
      segments: b.segments.map((s) => ({ ...s, cid: asLink(s.cid) })),
    })),
    content: manifest.content.map((t) => ({
      ...t,
      lists: t.lists.map((l) => ({ ...l, cid: asLink(l.cid) })),
    })),
    consumers: manifest.consumers,
  });
}

/** Decodes a manifest whose bytes were verified against `cid`. */
export function decodeManifest(bytes: Uint8Array, cid: string): BackupManifest {
  const { format: _format, ...manifest } = decoded(bytes, manifestSchema, MANIFEST_FORMAT, cid);
  return manifest;
}

/** Encodes KV entries (in revision order, at least one) of one bucket into a segment. */
export function encodeKvSegment(bucket: string, entries: readonly KvEntry[]): EncodedObject {
  return encoded({ format: KV_SEGMENT_FORMAT, bucket, entries });
}

/** Decodes a KV segment verified against `cid`; refuses one of another bucket or out of order. */
export function decodeKvSegment(bytes: Uint8Array, cid: string, bucket: string): KvEntry[] {
  const segment = decoded(bytes, kvSegmentSchema, KV_SEGMENT_FORMAT, cid);
  if (segment.bucket !== bucket) {
    throw new IntegrityError(`The KV segment ${cid} belongs to bucket ${segment.bucket}.`);
  }
  let previous = 0;
  for (const e of segment.entries) {
    if (e.revision <= previous) {
      throw new IntegrityError(`The KV segment ${cid} lists revision ${e.revision} out of order.`);
    }
    previous = e.revision;
  }
  return segment.entries;
}

/** Encodes a list of content objects of one tier. */
export function encodeContentList(tier: string, objects: readonly ContentEntry[]): EncodedObject {
  return encoded({
    format: CONTENT_LIST_FORMAT,
    tier,
    objects: objects.map((o) => ({ cid: asLink(o.cid), size: o.size })),
  });
}

/** Decodes a content list verified against `cid`. */
export function decodeContentList(bytes: Uint8Array, cid: string, tier: string): ContentEntry[] {
  const list = decoded(bytes, contentListSchema, CONTENT_LIST_FORMAT, cid);
  if (list.tier !== tier) {
    throw new IntegrityError(`The content list ${cid} belongs to tier ${list.tier}.`);
  }
  return list.objects;
}
