import type { z } from 'zod';

/** One zod issue as `path: problem`, for the parenthesis of a refusal sentence. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  const where = (text: string): string => (path ? `${path}: ${text}` : text);
  switch (issue.code) {
    case 'unrecognized_keys':
      return where(`unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`);
    case 'invalid_key':
      // A record key failed its schema: say which key, and why, rather than zod's "Invalid key".
      return where(`the key is invalid, it ${issue.issues[0]?.message ?? 'is not allowed'}`);
    default:
      return where(issue.message);
  }
}
