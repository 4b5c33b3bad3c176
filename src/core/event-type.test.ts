import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import type { JsonValue, RecordedEvent } from './envelope.js';
import { MalformedEventError } from './errors.js';
import { defineEvent } from './event-type.js';
import type { EventData } from './event-type.js';
import { recordedEvent } from '../testing/recorded-event.js';

const ThingNamed = defineEvent(
  'ThingNamed',
  z.object({ name: z.string(), note: z.string().exactOptional(), tags: z.array(z.string()) }),
);

function recorded(type: string, data: JsonValue, position = 7): RecordedEvent {
  return recordedEvent(type, data, { position });
}

test('a draft carries the type, the data and the chosen fields, and nothing else', () => {
  const data: EventData<typeof ThingNamed> = { name: 'a', tags: ['x'] };
  assert.deepEqual(ThingNamed.draft(data), { type: 'ThingNamed', data });
  assert.deepEqual(ThingNamed.draft(data, { id: 'i', occurredAt: 'o' }), {
    type: 'ThingNamed',
    data,
    id: 'i',
    occurredAt: 'o',
  });
});

test('the compiler refuses a draft whose data does not match the schema', () => {
  // Each line below is a compile error; the test fails to build if one of them compiles.
  // @ts-expect-error -- name must be a string
  ThingNamed.draft({ name: 1, tags: [] });
  // @ts-expect-error -- tags is required
  ThingNamed.draft({ name: 'a' });
  // @ts-expect-error -- an optional field is absent, never undefined
  ThingNamed.draft({ name: 'a', note: undefined, tags: [] });
  // @ts-expect-error -- a schema whose output is not JSON cannot define an event
  defineEvent('ThingDated', z.object({ at: z.date() }));
  // @ts-expect-error -- optional() outputs undefined, which JSON cannot hold
  defineEvent('ThingMaybe', z.object({ note: z.string().optional() }));
});

test('parse returns the data of a matching event, without fields the schema does not know', () => {
  const event = recorded('ThingNamed', { name: 'a', tags: [], extra: true });
  assert.equal(ThingNamed.is(event), true);
  assert.deepEqual(ThingNamed.parse(event), { name: 'a', tags: [] });
  assert.deepEqual(ThingNamed.safeParse(event), { ok: true, data: { name: 'a', tags: [] } });
});

test('malformed data is a MalformedEventError naming the type, the position, the field and the actor', () => {
  const event = recorded('ThingNamed', { name: 5, tags: 'x' }, 42);
  assert.throws(
    () => ThingNamed.parse(event),
    (err: unknown) => {
      assert.ok(err instanceof MalformedEventError);
      assert.equal(err.code, 'malformed_event');
      assert.equal(err.eventType, 'ThingNamed');
      assert.equal(err.position, 42);
      assert.match(err.message, /^The ThingNamed event at position 42 does not match its schema/);
      assert.match(err.message, /name: .*expected string/);
      assert.match(err.message, /tags: .*expected array/);
      assert.match(err.message, /actor tester/);
      return true;
    },
  );
  const result = ThingNamed.safeParse(event);
  assert.equal(result.ok, false);
  assert.ok(!result.ok && result.error instanceof MalformedEventError);
});

test('an event of another type is not parsed as this one', () => {
  const event = recorded('ThingMoved', { name: 'a', tags: [] }, 3);
  assert.equal(ThingNamed.is(event), false);
  assert.throws(() => ThingNamed.parse(event), {
    code: 'malformed_event',
    message: 'The ThingMoved event at position 3 is not a ThingNamed event.',
  });
});
