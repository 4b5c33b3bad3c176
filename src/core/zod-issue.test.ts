import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { describeIssue, firstIssue, issueField, issueProblem } from './zod-issue.js';

const schema = z
  .object({
    name: z.string({ error: 'expected a name' }),
    steps: z.array(z.object({ id: z.string() }).strict()),
    tags: z.record(z.string().regex(/^[a-z]+$/, 'must be lowercase letters'), z.string()),
  })
  .strict();

function issueOf(value: unknown): z.core.$ZodIssue {
  const result = schema.safeParse(value);
  assert.equal(result.success, false);
  return firstIssue(result.error!);
}

const valid = { name: 'n', steps: [{ id: 'a' }], tags: {} };

test('a field is written dotted by default and indexed on request', () => {
  const issue = issueOf({ ...valid, steps: [{ id: 'a' }, { id: 1 }] });
  assert.equal(issueField(issue), 'steps.1.id');
  assert.equal(issueField(issue, { path: 'indexed' }), 'steps[1].id');
});

test('an issue at the top level is the problem alone', () => {
  const issue = firstIssue(z.string().safeParse(1).error!);
  assert.equal(describeIssue(issue), issueProblem(issue));
});

test('unknown fields are named, with advice and the allowed fields when asked', () => {
  const issue = issueOf({ ...valid, steps: [{ id: 'a', idd: 1, x: 2 }] });
  assert.equal(describeIssue(issue), 'steps.0: unknown fields idd, x');
  assert.equal(
    describeIssue(issue, { path: 'indexed', advise: true }),
    'steps[0]: unknown fields idd, x: remove them or check the spelling',
  );
  assert.equal(
    issueProblem(issueOf({ ...valid, nmae: 'n' }), { advise: () => ['name', 'steps', 'tags'] }),
    'unknown field nmae: remove it or check the spelling (allowed: name, steps, tags)',
  );
});

test('a bad record key says why, not just that it is invalid', () => {
  assert.equal(
    describeIssue(issueOf({ ...valid, tags: { Bad: 'x' } })),
    'tags.Bad: the key is invalid, it must be lowercase letters',
  );
});

test('an "expected" problem says what was found when given the input', () => {
  const input = { ...valid, name: 42 };
  const issue = issueOf(input);
  assert.equal(describeIssue(issue), 'name: expected a name');
  assert.equal(describeIssue(issue, { input }), 'name: expected a name, got 42');
  const missing = { steps: [], tags: {} };
  assert.equal(
    describeIssue(issueOf(missing), { input: missing }),
    'name: expected a name, got nothing',
  );
});
