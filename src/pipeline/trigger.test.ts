import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PipelineTrigger } from './definition.js';
import type { TriggerUnit } from './trigger.js';
import { globToRegExp, matchesTrigger } from './trigger.js';

const ingested = { type: 'UnitIngested' };
const unit: TriggerUnit = {
  mediaType: 'text/plain; charset=utf-8',
  tags: ['inbox', 'work'],
  context: 'work',
  source: 'file:///home/ada/notes/plan.txt',
};

test('the event type must be one of the listed events', () => {
  const trigger: PipelineTrigger = { events: ['UnitIngested', 'UnitVersioned'] };
  assert.equal(matchesTrigger(trigger, ingested, unit), true);
  assert.equal(matchesTrigger(trigger, { type: 'UnitVersioned' }, unit), true);
  assert.equal(matchesTrigger(trigger, { type: 'UnitDeleted' }, unit), false);
});

test('media type globs match the type without parameters, case-insensitively', () => {
  const on = (mediaTypes: string[], mediaType: string) =>
    matchesTrigger({ events: ['UnitIngested'], mediaTypes }, ingested, { ...unit, mediaType });
  assert.equal(on(['text/*'], 'text/plain; charset=utf-8'), true);
  assert.equal(on(['text/*'], 'Text/HTML'), true);
  assert.equal(on(['text/*', 'application/pdf'], 'application/pdf'), true);
  assert.equal(on(['text/*'], 'application/pdf'), false);
  assert.equal(on(['application/*+json'], 'application/ld+json'), true);
  assert.equal(on(['application/*+json'], 'application/json'), false);
  assert.equal(on(['*/*'], 'image/png'), true);
  // The dot and plus are literal, not RegExp operators.
  assert.equal(on(['application/vnd.ms-excel'], 'application/vndxms-excel'), false);
});

test('tags are all required; contexts are any one; a unit without a context matches none', () => {
  const base: PipelineTrigger = { events: ['UnitIngested'] };
  assert.equal(matchesTrigger({ ...base, tags: ['inbox', 'work'] }, ingested, unit), true);
  assert.equal(matchesTrigger({ ...base, tags: ['inbox', 'urgent'] }, ingested, unit), false);
  assert.equal(matchesTrigger({ ...base, contexts: ['home', 'work'] }, ingested, unit), true);
  assert.equal(matchesTrigger({ ...base, contexts: ['home'] }, ingested, unit), false);
  assert.equal(
    matchesTrigger({ ...base, contexts: ['work'] }, ingested, { ...unit, context: null }),
    false,
  );
});

test('source globs: * spans any run of characters, the rest is literal', () => {
  const base: PipelineTrigger = { events: ['UnitIngested'] };
  assert.equal(matchesTrigger({ ...base, sources: ['file:///home/*'] }, ingested, unit), true);
  assert.equal(matchesTrigger({ ...base, sources: ['file:///srv/*'] }, ingested, unit), false);
  assert.equal(matchesTrigger({ ...base, sources: ['*.txt'] }, ingested, unit), true);
  // Sources are case-sensitive, as URL paths are.
  assert.equal(matchesTrigger({ ...base, sources: ['file:///HOME/*'] }, ingested, unit), false);
  assert.equal(globToRegExp('a(b)?*').test('a(b)?zz'), true);
  assert.equal(globToRegExp('a(b)?*').test('ab'), false);
});

test('every filter present must hold', () => {
  const trigger: PipelineTrigger = {
    events: ['UnitIngested'],
    mediaTypes: ['text/*'],
    tags: ['inbox'],
    contexts: ['work'],
    sources: ['file:///home/*'],
  };
  assert.equal(matchesTrigger(trigger, ingested, unit), true);
  assert.equal(matchesTrigger(trigger, ingested, { ...unit, tags: [] }), false);
  assert.equal(matchesTrigger(trigger, ingested, { ...unit, mediaType: 'image/png' }), false);
});
