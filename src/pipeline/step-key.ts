import { CID } from 'multiformats/cid';
import semver from 'semver';
import { dagCborCid } from '../core/cid.js';
import { InvalidInputError } from '../core/errors.js';
import { formatPath } from '../core/field-path.js';
import { NAME_PATTERN } from './names.js';

/** Deeper nesting than this is refused: no real parameter set needs it, and encoding recurses. */
const MAX_DEPTH = 64;
// CBOR major types 0 and 1 carry a 64-bit magnitude, so integers span -(2^64) … 2^64-1.
const MAX_CBOR_INT = 2n ** 64n - 1n;
const MIN_CBOR_INT = -(2n ** 64n);

interface Problem {
  readonly path: readonly PropertyKey[];
  readonly problem: string;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The first value under `value` that DAG-CBOR cannot store faithfully, or undefined. Stricter
 * than the encoder on purpose: it would silently turn a Map into `{}` and an integer past 2^53
 * into a rounded float, and two different parameter sets must never share a key.
 */
function findProblem(
  value: unknown,
  path: PropertyKey[],
  ancestors: Set<object>,
): Problem | undefined {
  const at = (problem: string): Problem => ({ path: [...path], problem });
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      if (!Number.isFinite(value))
        return at(`is ${value}, which DAG-CBOR cannot store: use a finite number or a string`);
      if (Number.isInteger(value) && !Number.isSafeInteger(value))
        return at(`is ${value}, too large to keep exactly (beyond ±2^53): write it as a string`);
      return undefined;
    case 'bigint':
      if (value > MAX_CBOR_INT || value < MIN_CBOR_INT)
        return at(`is ${value}, outside the 64-bit range DAG-CBOR stores: write it as a string`);
      return undefined;
    case 'undefined':
      return at('is undefined, which DAG-CBOR cannot store: remove it or use null');
    case 'function':
    case 'symbol':
      return at(`is a ${typeof value}, which DAG-CBOR cannot store: use plain data`);
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (value instanceof Uint8Array || CID.asCID(value) !== null) return undefined;
  if (ancestors.has(value)) return at('contains itself, which DAG-CBOR cannot store');
  if (ancestors.size >= MAX_DEPTH) return at(`nests deeper than ${MAX_DEPTH} levels: flatten it`);
  if (!Array.isArray(value) && !isPlainObject(value)) {
    const kind = value.constructor?.name ?? 'object';
    return at(`is a ${kind}, which DAG-CBOR cannot store: use a map, a list or a string`);
  }
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      // Indexes, not for…of over entries: a hole in a sparse array must be found, not skipped.
      for (let i = 0; i < value.length; i++) {
        const found = findProblem(value[i], [...path, i], ancestors);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    for (const [key, item] of Object.entries(value)) {
      const found = findProblem(item, [...path, key], ancestors);
      if (found !== undefined) return found;
    }
    return undefined;
  } finally {
    ancestors.delete(value);
  }
}

/**
 * Throws InvalidInputError naming the path (e.g. `steps[1].params.rules[0].weight`) of the first
 * value DAG-CBOR cannot store faithfully; `where` prefixes the message (a file name, a request).
 */
export function assertParams(
  params: unknown,
  where: string,
  path: readonly PropertyKey[] = ['params'],
): void {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new InvalidInputError(
      `${where}: ${formatPath(path)}: expected a map of parameters, write {} for none.`,
    );
  }
  const found = findProblem(params, [...path], new Set());
  if (found !== undefined) {
    throw new InvalidInputError(`${where}: ${formatPath(found.path)} ${found.problem}.`);
  }
}

/**
 * CIDv1 (dag-cbor, sha2-256, `bafyrei…`) of a parameter map: the `producedBy.parameters` of a
 * derived unit. DAG-CBOR sorts map keys, so the order they were written in does not matter.
 */
export function paramsCid(params: Readonly<Record<string, unknown>>): string {
  assertParams(params, 'Processor parameters');
  return dagCborCid(params);
}

/** What one step run depends on; equal inputs mean the earlier result can be reused. */
export interface StepKeyInput {
  /** The processor's name, e.g. `extract-text`. */
  readonly processor: string;
  /** The exact version that ran (semver, e.g. `1.2.0`), not the range the step asked for. */
  readonly version: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** CID of the step's input: a content CID or a unit CID. */
  readonly inputCid: string;
}

/**
 * Parameter CIDs already computed, by parameter object: a pipeline's steps keep the same
 * parameter objects for every unit, and checking and encoding them is most of a key's cost.
 */
const knownParams = new WeakMap<object, string>();

/**
 * The idempotency key of a step result: the CID (CIDv1, dag-cbor, sha2-256, base32) of the
 * DAG-CBOR record `{ processor: "name@version", params: <link to the params CID>, input: <CID
 * link> }`. Throws
 * InvalidInputError on a malformed name, version or CID, or on parameters DAG-CBOR cannot store.
 */
export function stepKey(input: StepKeyInput): string {
  if (!NAME_PATTERN.test(input.processor)) {
    throw new InvalidInputError(
      `Step key: processor ${JSON.stringify(input.processor)} is not a processor name (lowercase letters, digits, dashes): pass the registered name.`,
    );
  }
  // semver.valid normalises (`v1.2.0` → `1.2.0`), so one version never yields two keys.
  const version = semver.valid(input.version);
  if (version === null) {
    throw new InvalidInputError(
      `Step key: version ${JSON.stringify(input.version)} of processor ${input.processor} is not a semver version such as 1.2.0: pass the version that ran, not a range.`,
    );
  }
  let link: CID;
  try {
    link = CID.parse(input.inputCid);
  } catch (err) {
    throw new InvalidInputError(
      `Step key: input ${JSON.stringify(input.inputCid)} is not a CID: pass the content or unit CID the step read.`,
      { cause: err },
    );
  }
  let params = knownParams.get(input.params);
  if (params === undefined) {
    assertParams(input.params, 'Step key');
    params = dagCborCid(input.params);
    knownParams.set(input.params, params);
  }
  return dagCborCid({
    processor: `${input.processor}@${version}`,
    params: CID.parse(params),
    input: link,
  });
}
