import { hash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { base32 } from 'multiformats/bases/base32';
import * as dagCbor from '@ipld/dag-cbor';

/** Multicodec of DAG-JSON, the codec of event CIDs. */
export const DAG_JSON_CODE = 0x0129;
/** Multicodec of raw bytes, the codec of content CIDs. */
export const RAW_CODE = 0x55;
/** Multihash code of sha2-256. */
export const SHA2_256_CODE = 0x12;
/** Multicodec of DAG-CBOR, the codec of unit and other record CIDs. */
export const DAG_CBOR_CODE = 0x71;

/**
 * Hashes with Node's native SHA-256, several times faster than a JavaScript implementation; the
 * one-shot form also spares the Hash object a streaming hash needs.
 */
function sha256(bytes: Uint8Array): Uint8Array {
  return hash('sha256', bytes, 'buffer');
}

/** CIDv1 (dag-json, sha2-256) of the exact bytes of an event's message body. */
export function eventCid(body: Uint8Array): CID {
  return CID.createV1(DAG_JSON_CODE, Digest.create(SHA2_256_CODE, sha256(body)));
}

/**
 * The event CID as a string, without building a CID object: the five prefix bytes
 * `01 a9 02 12 20` are exactly 40 bits, eight base32 characters (`aguqeera`), so the string is
 * `b` + those + base32 of the digest. Hot on replay; equal to `eventCid(body).toString()`.
 */
export function eventCidString(body: Uint8Array): string {
  return `baguqeera${base32.baseEncode(sha256(body))}`;
}

/** CIDv1 (raw, sha2-256) of a blob's bytes, printed as `bafkrei…`. */
export function contentCid(bytes: Uint8Array): CID {
  return CID.createV1(RAW_CODE, Digest.create(SHA2_256_CODE, sha256(bytes)));
}

/** Parses a CID string, returning undefined instead of throwing on malformed input. */
export function parseCid(text: string): CID | undefined {
  try {
    return CID.parse(text);
  } catch {
    return undefined;
  }
}

/** The content CID of bytes whose sha2-256 digest was computed while streaming them. */
export function contentCidFromDigest(digest: Uint8Array): string {
  return CID.createV1(RAW_CODE, Digest.create(SHA2_256_CODE, digest)).toString();
}

/** True when `text` is a content CID (CIDv1, raw, sha2-256). */
export function isContentCid(text: string): boolean {
  const cid = parseCid(text);
  return (
    cid !== undefined &&
    cid.version === 1 &&
    cid.code === RAW_CODE &&
    cid.multihash.code === SHA2_256_CODE
  );
}

/**
 * CIDv1 (dag-cbor, sha2-256, `bafyrei…`) of a record: DAG-CBOR sorts map keys, so two records
 * with the same members have the same CID whatever order they were written in.
 */
export function dagCborCid(value: unknown): string {
  return CID.createV1(
    DAG_CBOR_CODE,
    Digest.create(SHA2_256_CODE, sha256(dagCbor.encode(value))),
  ).toString();
}
