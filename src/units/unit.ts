import * as dagCbor from '@ipld/dag-cbor';
import { createHash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { DAG_CBOR_CODE, SHA2_256_CODE } from '../core/cid.js';
import type { Unit } from '../core/catalogue/units.js';
import { IntegrityError, InvalidInputError } from '../core/errors.js';

/** The unit record is part of the `UnitIngested` contract, so its type lives in the catalogue. */
export type { ProducedBy, Unit } from '../core/catalogue/units.js';

function link(text: string, field: string): CID {
  try {
    return CID.parse(text);
  } catch (err) {
    throw new InvalidInputError(`The ${field} ${JSON.stringify(text)} is not a CID.`, {
      cause: err,
    });
  }
}

/** Normalises tags: trimmed, non-empty, unique and sorted, so equal sets encode equally. */
export function normaliseTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0))].sort();
}

/** Encodes a unit as canonical DAG-CBOR with its links as CIDs. */
export function encodeUnit(unit: Unit): Uint8Array {
  return dagCbor.encode({
    content: link(unit.content, 'content CID'),
    mediaType: unit.mediaType,
    size: unit.size,
    name: unit.name,
    source: unit.source,
    createdAt: unit.createdAt,
    tags: normaliseTags(unit.tags),
    context: unit.context,
    derivedFrom: unit.derivedFrom.map((c) => link(c, 'derivedFrom CID')),
    producedBy:
      unit.producedBy === null
        ? null
        : {
            processor: unit.producedBy.processor,
            parameters: link(unit.producedBy.parameters, 'parameters CID'),
          },
    previous: unit.previous === null ? null : link(unit.previous, 'previous unit CID'),
  });
}

/** CIDv1 (dag-cbor, sha2-256) of a unit, printed as `bafyrei…`. */
export function unitCid(unit: Unit): string {
  const digest = createHash('sha256').update(encodeUnit(unit)).digest();
  return CID.createV1(DAG_CBOR_CODE, Digest.create(SHA2_256_CODE, digest)).toString();
}

/** Throws IntegrityError unless `unit` hashes to `cid` (used when units are read back from events). */
export function assertUnitCid(unit: Unit, cid: string): void {
  const actual = unitCid(unit);
  if (actual !== cid)
    throw new IntegrityError(`Unit ${cid} hashes to ${actual}: its record was altered.`);
}
