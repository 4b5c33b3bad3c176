import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needsLastRead, ruleApplies, validatePolicy } from './policy.js';

const DAY = 86_400_000;
const now = Date.parse('2026-11-25T12:00:00Z');
const unit = {
  mediaType: 'text/plain',
  size: 100,
  tags: [],
  context: null,
  createdAt: new Date(now - 10 * DAY).toISOString(),
};
const policy = validatePolicy(
  {
    name: 'idle',
    rehydrate: true,
    rules: [{ from: 'hot', to: 'warm', when: { notReadForDays: 3 } }],
  },
  ['hot', 'warm'],
  'idle.yaml',
);
const rule = policy.rules[0]!;

test('notReadForDays counts from the last read, or from ingest when never read', () => {
  assert.equal(ruleApplies(rule, unit, now), true, 'never read, ingested 10 days ago');
  assert.equal(ruleApplies(rule, { ...unit, lastReadAt: now - 1 * DAY }, now), false);
  assert.equal(ruleApplies(rule, { ...unit, lastReadAt: now - 4 * DAY }, now), true);
  const fresh = { ...unit, createdAt: new Date(now - DAY).toISOString() };
  assert.equal(ruleApplies(rule, fresh, now), false, 'never read, ingested yesterday');
});

test('a policy says whether it needs last reads and whether it rehydrates', () => {
  assert.equal(needsLastRead(policy), true);
  assert.equal(policy.rehydrate, true);
  const aging = validatePolicy(
    { name: 'aging', rules: [{ from: 'hot', to: 'warm', when: { olderThanDays: 1 } }] },
    ['hot', 'warm'],
    'aging.yaml',
  );
  assert.equal(needsLastRead(aging), false);
  assert.equal(aging.rehydrate, false, 'rehydration is off unless asked for');
});

test('a negative notReadForDays is refused naming the field', () => {
  assert.throws(
    () =>
      validatePolicy(
        { name: 'bad', rules: [{ from: 'hot', to: 'warm', when: { notReadForDays: -1 } }] },
        ['hot', 'warm'],
        'bad.yaml',
      ),
    /^InvalidInputError: bad\.yaml: rules\[0\]\.when\.notReadForDays: /,
  );
});

test('media type conditions use the one glob grammar, application/*+json included', () => {
  const json = validatePolicy(
    {
      name: 'json',
      rules: [{ from: 'hot', to: 'warm', when: { mediaTypes: ['application/*+json', 'text/*'] } }],
    },
    ['hot', 'warm'],
    'json.yaml',
  ).rules[0]!;
  assert.equal(ruleApplies(json, { ...unit, mediaType: 'application/ld+json' }, now), true);
  assert.equal(ruleApplies(json, { ...unit, mediaType: 'Text/Plain; charset=utf-8' }, now), true);
  assert.equal(ruleApplies(json, { ...unit, mediaType: 'application/json' }, now), false);
  assert.throws(
    () =>
      validatePolicy(
        { name: 'bad', rules: [{ from: 'hot', to: 'warm', when: { mediaTypes: ['*/plain'] } }] },
        ['hot', 'warm'],
        'bad.yaml',
      ),
    /^InvalidInputError: bad\.yaml: rules\[0\]\.when\.mediaTypes\[0\]: expected a media type glob/,
  );
});
