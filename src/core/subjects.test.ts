import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiSubject, eventFilter, eventSubject, parseEventSubject } from './subjects.js';
import { InvalidInputError } from './errors.js';

test('eventSubject builds cim.events.<domain>.<aggregate>.<id> and parses back', () => {
  const ref = { domain: 'units', aggregate: 'Document', aggregateId: 'doc-1' };
  const subject = eventSubject(ref);
  assert.equal(subject, 'cim.events.units.Document.doc-1');
  assert.deepEqual(parseEventSubject(subject), ref);
});

test('invalid tokens are refused with a sentence naming the token', () => {
  for (const bad of ['', 'a.b', 'a b', '*', '>', 'x'.repeat(129), 'tab\t']) {
    assert.throws(
      () => eventSubject({ domain: 'units', aggregate: 'Document', aggregateId: bad }),
      (err: unknown) =>
        err instanceof InvalidInputError &&
        err.code === 'invalid_input' &&
        /aggregate id/.test(err.message),
    );
  }
});

test('eventFilter uses wildcards for omitted tokens', () => {
  assert.equal(eventFilter({}), 'cim.events.>');
  assert.equal(eventFilter({ domain: 'units' }), 'cim.events.units.*.*');
  assert.equal(eventFilter({ aggregateId: 'x' }), 'cim.events.*.*.x');
});

test('parseEventSubject rejects other subjects', () => {
  assert.equal(parseEventSubject('cim.api.units.ls'), undefined);
  assert.equal(parseEventSubject('cim.events.a.b'), undefined);
});

test('apiSubject validates component and operation', () => {
  assert.equal(apiSubject('events', 'list'), 'cim.api.events.list');
  assert.throws(() => apiSubject('events', 'li st'), InvalidInputError);
});
