import type { z } from 'zod';
import { describeValue, formatPath, valueAt } from './field-path.js';

/**
 * How a refusal describes a zod issue. Every caller that turns a schema failure into a sentence
 * goes through here, so unknown fields, bad record keys and "expected …, got …" read the same
 * everywhere; callers choose only what their readers need.
 */
export interface IssueFormat {
  /**
   * How the field is written: `dotted` (`leafRemotes.0.urls`, the key path of a config file or a
   * Nix attribute set, the default) or `indexed` (`steps[1].processor`, `params["a b"]`, the way
   * a YAML or JSON author points at a list item).
   */
  readonly path?: 'dotted' | 'indexed';
  /** The value that was validated: an "expected …" problem then ends with what was found. */
  readonly input?: unknown;
  /**
   * Follow an unknown field with how to fix it ("remove it or check the spelling"); a function
   * also lists the fields allowed at the object's path.
   */
  readonly advise?: boolean | ((path: readonly PropertyKey[]) => readonly string[]);
}

/** The issue's field as the format writes it; empty for the top level. */
export function issueField(issue: z.core.$ZodIssue, format: IssueFormat = {}): string {
  return format.path === 'indexed' ? formatPath(issue.path) : issue.path.map(String).join('.');
}

/** What is wrong, without the field: a phrase for the end of a sentence. */
export function issueProblem(issue: z.core.$ZodIssue, format: IssueFormat = {}): string {
  switch (issue.code) {
    case 'unrecognized_keys': {
      const many = issue.keys.length > 1;
      const text = `unknown field${many ? 's' : ''} ${issue.keys.join(', ')}`;
      if (!format.advise) return text;
      const allowed = typeof format.advise === 'function' ? format.advise(issue.path) : [];
      const hint = allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : '';
      return `${text}: remove ${many ? 'them' : 'it'} or check the spelling${hint}`;
    }
    case 'invalid_key':
      // A record key failed its schema: say why, rather than zod's bare "Invalid key".
      return `the key is invalid, it ${issue.issues[0]?.message ?? 'is not allowed'}`;
    default:
      if (!('input' in format) || !issue.message.startsWith('expected ')) return issue.message;
      return `${issue.message}, got ${describeValue(valueAt(format.input, issue.path))}`;
  }
}

/** One issue as `field: problem` (just the problem at the top level). */
export function describeIssue(issue: z.core.$ZodIssue, format: IssueFormat = {}): string {
  const field = issueField(issue, format);
  const problem = issueProblem(issue, format);
  return field ? `${field}: ${problem}` : problem;
}

/** The issue a refusal names: the first, as zod reports them in schema order. */
export function firstIssue(error: z.ZodError): z.core.$ZodIssue {
  const [issue] = error.issues;
  // zod never fails a parse without an issue; this keeps the type honest without a `!`.
  if (issue === undefined) throw new TypeError('A zod error without issues.');
  return issue;
}
