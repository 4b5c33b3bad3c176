import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineOperation } from './operation.js';
import { OPERATIONS } from './operations/index.js';
import { API_SCHEMAS } from './schemas/registry.js';

const reply = z.object({ status: z.literal('ok'), tags: z.array(z.string()) });

const fitting = defineOperation({
  component: 'test',
  name: 'fitting',
  summary: 'Returns what its schema allows, read-only arrays included.',
  access: 'reader',
  input: z.object({}),
  output: reply,
  async handle() {
    const tags: readonly string[] = ['a'];
    return { status: 'ok' as const, tags };
  },
});

const misfit = defineOperation({
  component: 'test',
  name: 'misfit',
  summary: 'Returns a shape its schema does not allow: this must not compile.',
  access: 'reader',
  input: z.object({}),
  output: reply,
  // @ts-expect-error -- `status` must be 'ok' and `tags` is missing: the compiler refuses it.
  async handle() {
    return { status: 42 };
  },
});

test('an operation carries the output schema its reply type comes from', async () => {
  assert.equal(fitting.output, reply);
  const result = await fitting.handle({}, undefined as never, undefined as never);
  assert.deepEqual(reply.parse(result), { status: 'ok', tags: ['a'] });
  // What the compiler refused is indeed refused by the schema at run time too.
  assert.equal(
    misfit.output.safeParse(await misfit.handle({}, undefined as never, undefined as never))
      .success,
    false,
  );
});

test('every operation declares a named output schema', () => {
  for (const operation of OPERATIONS) {
    const meta = API_SCHEMAS.get(operation.output);
    assert.ok(meta?.id, `${operation.component}.${operation.name} has no named output schema`);
  }
});
