import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import { contentCidFromDigest } from '../core/cid.js';
import { storedMessageOf } from '../events/jetstream-event-reader.js';
import { verifyEvents } from '../events/verify.js';
import type { VerifyReport } from '../events/verify.js';
import { CONTENT_BUCKET } from '../core/buckets.js';
import { leafMirrorNames } from './leaf-mirrors.js';
import { scanStream } from './stream-scan.js';

/** One content object of a mirror whose bytes do not match its name or metadata. */
export interface ContentProblem {
  readonly name: string;
  readonly detail: string;
}

/** What the hub found checking the content a leaf sent. */
export interface ContentVerifyReport {
  readonly ok: boolean;
  /** Objects whose bytes were re-hashed and match their CID. */
  readonly objects: number;
  readonly bytes: number;
  /** Objects the leaf deleted (moved to another tier): metadata only, nothing to hash. */
  readonly deleted: number;
  /** Chunks of writes the leaf abandoned (no metadata ever followed): harmless, not counted. */
  readonly orphanChunks: number;
  readonly problems: ContentProblem[];
}

/** What {@link verifyLeafMirrors} reports. */
export interface LeafVerifyReport {
  readonly ok: boolean;
  readonly domain: string;
  readonly events: VerifyReport;
  readonly content: ContentVerifyReport;
}

const CHUNK_PREFIX = `$O.${CONTENT_BUCKET}.C.`;
const META_PREFIX = `$O.${CONTENT_BUCKET}.M.`;

interface ObjectMeta {
  name: string;
  nuid: string;
  size: number;
  chunks: number;
  digest?: string;
  deleted?: boolean;
}

const base64url = (digest: Buffer) =>
  digest.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');

/**
 * Re-hashes every object of a content mirror in one pass: each object's chunks (which precede
 * its metadata in the stream) feed a running SHA-256 keyed by the object's nuid, so only hash
 * states are held, never the bytes; the metadata then names the CID the digest must give.
 */
export async function verifyContentMirror(
  hub: NatsConnection,
  stream: string,
  maxProblems = 100,
): Promise<ContentVerifyReport> {
  const running = new Map<string, { hash: Hash; size: number; chunks: number }>();
  const problems: ContentProblem[] = [];
  let problemCount = 0;
  let objects = 0;
  let bytes = 0;
  let deleted = 0;
  const problem = (name: string, detail: string) => {
    problemCount++;
    if (problems.length < maxProblems) problems.push({ name, detail });
  };
  for await (const m of scanStream(hub, stream)) {
    if (m.subject.startsWith(CHUNK_PREFIX)) {
      const nuid = m.subject.slice(CHUNK_PREFIX.length);
      const state = running.get(nuid) ?? { hash: createHash('sha256'), size: 0, chunks: 0 };
      state.hash.update(m.data);
      state.size += m.data.length;
      state.chunks++;
      running.set(nuid, state);
      continue;
    }
    if (!m.subject.startsWith(META_PREFIX)) continue;
    let meta: ObjectMeta;
    try {
      meta = JSON.parse(Buffer.from(m.data).toString('utf8')) as ObjectMeta;
    } catch {
      problem(m.subject, `the metadata at sequence ${m.seq} is not JSON`);
      continue;
    }
    if (meta.deleted === true) {
      deleted++;
      continue;
    }
    const state = running.get(meta.nuid);
    running.delete(meta.nuid);
    if (state === undefined) {
      if (meta.size > 0) problem(meta.name, `no chunks precede its metadata (nuid ${meta.nuid})`);
      else objects++;
      continue;
    }
    const digest = state.hash.digest();
    const cid = contentCidFromDigest(digest);
    if (cid !== meta.name) problem(meta.name, `its bytes hash to ${cid}`);
    else if (state.size !== meta.size || state.chunks !== meta.chunks)
      problem(
        meta.name,
        `${state.size} bytes in ${state.chunks} chunks, not ${meta.size} in ${meta.chunks}`,
      );
    else if (meta.digest !== undefined && meta.digest !== `SHA-256=${base64url(digest)}`)
      problem(meta.name, `its metadata digest ${meta.digest} disagrees with its bytes`);
    else {
      objects++;
      bytes += state.size;
    }
  }
  let orphanChunks = 0;
  for (const state of running.values()) orphanChunks += state.chunks;
  return { ok: problemCount === 0, objects, bytes, deleted, orphanChunks, problems };
}

/**
 * The hub's check of what a leaf sent: every mirrored event's CID and per-aggregate chain (the
 * same verifier as `cim events verify`), and every mirrored content object's bytes against its CID.
 */
export async function verifyLeafMirrors(
  hub: NatsConnection,
  domain: string,
): Promise<LeafVerifyReport> {
  const names = leafMirrorNames(domain);
  const events = await verifyEvents({
    async *scan() {
      for await (const m of scanStream(hub, names.events)) yield storedMessageOf(m);
    },
  });
  const content = await verifyContentMirror(hub, names.content);
  return { ok: events.ok && content.ok, domain, events, content };
}
