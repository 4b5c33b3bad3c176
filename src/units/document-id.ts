import { createHash } from 'node:crypto';
import { base32 } from 'multiformats/bases/base32';

/**
 * The aggregate id of a logical document: a short hash of its logical key (for files, the source
 * URI), so every version of `notes/plan.md` lands on the same aggregate and ids are valid tokens.
 */
export function documentId(logicalKey: string): string {
  const digest = createHash('sha256').update(logicalKey).digest().subarray(0, 20);
  return `d${base32.baseEncode(digest)}`;
}
