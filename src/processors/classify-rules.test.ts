import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../core/errors.js';
import { classifyRules } from './classify-rules.js';
import { runOn, testContext, testInput } from '../testing/processor-input.js';
import type { TestUnit } from '../testing/processor-input.js';

const INVOICE = `INVOICE No. 2024-117

Amount
due: 1,250.00 EUR. Payment terms: 30 days.
Receipt number 8812 attached. Follow-up by e-mail.`;

async function tagsOf(rules: unknown[], unit: Partial<TestUnit> = {}): Promise<readonly string[]> {
  const output = await runOn(classifyRules, {
    mediaType: 'text/plain',
    content: INVOICE,
    ...unit,
    parameters: { rules },
  });
  return output.tags ?? [];
}

test('keywords match case-insensitively as whole words and phrases, across line breaks', async () => {
  assert.deepEqual(
    await tagsOf([
      { tag: 'invoices', keywords: ['invoice'] },
      { tag: 'due', keywords: ['amount due'] },
      { tag: 'partial-word', keywords: ['voice', 'pay'] },
      { tag: 'terms', keywords: ['nothing here', 'PAYMENT TERMS'] },
      { tag: 'follow-up', keywords: ['follow-up'] },
      { tag: 'amount', keywords: ['1,250.00 eur'] },
      { tag: 'wildcard', keywords: ['1.250'] },
    ]),
    ['invoices', 'due', 'terms', 'follow-up', 'amount'],
  );
});

test('patterns are regular expressions matched case-insensitively', async () => {
  assert.deepEqual(
    await tagsOf([
      { tag: 'receipts', patterns: ['receipt\\s+(no\\.?|number)\\s*\\d+'] },
      { tag: 'euro', patterns: ['\\d+(,\\d{3})*\\.\\d{2} eur\\b'] },
      { tag: 'dollar', patterns: ['\\$\\d+'] },
    ]),
    ['receipts', 'euro'],
  );
});

test('when limits a rule by media type glob, word count and context', async () => {
  const rules = [
    { tag: 'text-invoice', keywords: ['invoice'], when: { mediaType: 'text/*' } },
    { tag: 'pdf-invoice', keywords: ['invoice'], when: { mediaType: 'application/pdf' } },
    { tag: 'long', keywords: ['invoice'], when: { minWords: 500 } },
    { tag: 'short-enough', keywords: ['invoice'], when: { minWords: 10 } },
    { tag: 'finance', keywords: ['invoice'], when: { context: 'finance' } },
    { tag: 'in-finance', when: { context: 'finance' } },
  ];
  assert.deepEqual(await tagsOf(rules, { mediaType: 'text/plain; charset=utf-8' }), [
    'text-invoice',
    'short-enough',
  ]);
  assert.deepEqual(await tagsOf(rules, { context: 'finance' }), [
    'text-invoice',
    'short-enough',
    'finance',
    'in-finance',
  ]);
});

test('each tag is given once, and the metadata says which rule matched and how', async () => {
  const output = await runOn(classifyRules, {
    mediaType: 'text/plain',
    content: INVOICE,
    parameters: {
      rules: [
        { tag: 'billing', keywords: ['invoice'] },
        { tag: 'billing', patterns: ['payment'] },
        { tag: 'other', keywords: ['unrelated'] },
      ],
    },
  });
  assert.deepEqual(output.tags, ['billing']);
  assert.deepEqual(output.metadata?.matches, [
    { rule: 0, tag: 'billing', by: 'keyword "invoice"' },
    { rule: 1, tag: 'billing', by: 'pattern /payment/i' },
  ]);
});

test('the text of an earlier step is classified, not the raw content', async () => {
  assert.deepEqual(
    await tagsOf([{ tag: 'minutes', keywords: ['action items'] }], {
      mediaType: 'application/pdf',
      content: new Uint8Array([1, 2, 3]),
      text: 'Minutes. Action items: none.',
    }),
    ['minutes'],
  );
});

test('invalid rules are refused, naming the rule index and what is wrong', async () => {
  const cases: [unknown[], RegExp][] = [
    [[{ tag: 'ok', keywords: ['a'] }, { keywords: ['b'] }], /rules\[1\] .*has no tag/],
    [
      [{ tag: 'bad', patterns: ['([a-z'] }],
      /rules\[0\] .*patterns\[0\] that is not a valid regular expression/,
    ],
    [
      [
        { tag: 'ok', keywords: ['a'] },
        { tag: 'x', keywords: ['b', 7] },
      ],
      /rules\[1\] .*keywords\[1\]/,
    ],
    [
      [{ tag: 'x', pattern: 'receipt' }],
      /rules\[0\] .*unknown field pattern.*write patterns as a list/,
    ],
    [
      [{ tag: 'x', keywords: ['a'], when: { mediaType: 'pdf' } }],
      /rules\[0\] .*when\.mediaType "pdf"/,
    ],
    [[{ tag: 'x', keywords: ['a'], when: { minWords: -1 } }], /rules\[0\] .*when\.minWords -1/],
    [[{ tag: 'x' }], /rules\[0\] .*no keywords, patterns or when/],
    [['invoice'], /rules\[0\] .*is not an object/],
  ];
  for (const [rules, pattern] of cases) {
    const input = testInput(classifyRules, {
      mediaType: 'text/plain',
      content: INVOICE,
      parameters: { rules },
    });
    await assert.rejects(
      classifyRules.run(input, testContext()),
      (err: unknown) => err instanceof InvalidInputError && pattern.test(err.message),
      `expected ${pattern}`,
    );
  }
});

test('a step without rules is refused before any content is read', async () => {
  const input = testInput(classifyRules, { mediaType: 'text/plain', content: INVOICE });
  const unread = {
    ...input,
    content: () => Promise.reject(new Error('content must not be read')),
  };
  await assert.rejects(
    classifyRules.run(unread, testContext()),
    (err: unknown) =>
      err instanceof InvalidInputError && /has no rules parameter/.test(err.message),
  );
});
