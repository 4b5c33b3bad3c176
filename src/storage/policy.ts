import { policySchema } from '../core/catalogue/storage.js';
import type { StoragePolicy } from '../core/catalogue/storage.js';
import { InvalidInputError } from '../core/errors.js';
import { isMediaGlob, matchesAnyMediaGlob } from '../core/media-glob.js';
import { describeIssue, firstIssue } from '../core/zod-issue.js';

export { policySchema } from '../core/catalogue/storage.js';
export type { StoragePolicy } from '../core/catalogue/storage.js';

/** One rule of a policy. */
export type PolicyRule = StoragePolicy['rules'][number];

/** What a rule looks at of a unit. */
export interface PolicyUnit {
  readonly mediaType: string;
  readonly size: number;
  readonly tags: readonly string[];
  readonly context: string | null;
  readonly createdAt: string;
  /** When a user last read the content (ms since the epoch); only looked up for rules that ask. */
  readonly lastReadAt?: number | undefined;
}

/** True when some rule of the policy looks at last reads. */
export function needsLastRead(policy: StoragePolicy): boolean {
  return policy.rules.some((r) => r.when.notReadForDays !== undefined);
}

/**
 * Validates a policy (a parsed file or a JSON body) against the schema and the tiers there are.
 * Throws InvalidInputError starting with `where` and naming the first bad field.
 */
export function validatePolicy(
  value: unknown,
  tiers: readonly string[],
  where: string,
): StoragePolicy {
  const result = policySchema.safeParse(value);
  if (!result.success) {
    const issue = describeIssue(firstIssue(result.error), { path: 'indexed', advise: true });
    throw new InvalidInputError(`${where}: ${issue}.`);
  }
  result.data.rules.forEach((rule, i) => {
    // Checked here, not in the event schema: a policy recorded before the one glob grammar
    // still reads (its odd glob just matches nothing).
    rule.when.mediaTypes?.forEach((glob, j) => {
      if (!isMediaGlob(glob)) {
        throw new InvalidInputError(
          `${where}: rules[${i}].when.mediaTypes[${j}]: expected a media type glob such as image/* or text/plain, got ${JSON.stringify(glob)}.`,
        );
      }
    });
    for (const field of ['from', 'to'] as const) {
      if (!tiers.includes(rule[field])) {
        throw new InvalidInputError(
          `${where}: rules[${i}].${field}: there is no tier ${JSON.stringify(rule[field])}; the tiers are ${tiers.join(', ')}.`,
        );
      }
    }
  });
  return result.data;
}

/** True when every condition of the rule holds for the unit at time `now`. */
export function ruleApplies(rule: PolicyRule, unit: PolicyUnit, now: number): boolean {
  const when = rule.when;
  if (when.olderThanDays !== undefined) {
    const age = now - Date.parse(unit.createdAt);
    if (!(age >= when.olderThanDays * 86_400_000)) return false;
  }
  if (when.notReadForDays !== undefined) {
    const idle = now - (unit.lastReadAt ?? Date.parse(unit.createdAt));
    if (!(idle >= when.notReadForDays * 86_400_000)) return false;
  }
  if (when.minBytes !== undefined && unit.size < when.minBytes) return false;
  if (when.maxBytes !== undefined && unit.size > when.maxBytes) return false;
  if (when.mediaTypes !== undefined && !matchesAnyMediaGlob(when.mediaTypes, unit.mediaType))
    return false;
  if (when.tags !== undefined && !when.tags.every((t) => unit.tags.includes(t))) return false;
  if (
    when.contexts !== undefined &&
    (unit.context === null || !when.contexts.includes(unit.context))
  )
    return false;
  return true;
}
