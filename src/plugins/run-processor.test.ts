import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { InvalidInputError } from '../core/errors.js';
import type { ProcessorDefinition, ProcessorInput } from './plugin-api.js';
import { ProcessorFailedError, runProcessor } from './run-processor.js';
import type { RunnableProcessor } from './run-processor.js';

// pino's Logger is what CIM passes; using it here also checks it fits PluginLogger.
const logger = pino({ level: 'silent' });

const input: ProcessorInput = {
  unit: {
    unitCid: 'bafyreiunit',
    contentCid: 'bafkreicontent',
    mediaType: 'text/plain',
    name: 'note.txt',
    size: 5,
    tags: [],
    context: null,
    source: 'test',
  },
  content: async () => new TextEncoder().encode('hello'),
  text: 'hello',
  parameters: {},
};

function processor(
  run: ProcessorDefinition['run'],
  extra: Partial<ProcessorDefinition> = {},
): RunnableProcessor {
  return { name: 'shout', definition: { version: '2.1.0', description: 'Shouts.', run, ...extra } };
}

function failure(result: Awaited<ReturnType<typeof runProcessor>>): ProcessorFailedError {
  assert.equal(result.ok, false);
  assert.ok(!result.ok && result.error instanceof ProcessorFailedError);
  return result.error;
}

test('a successful run returns the output, with parameters defaulted', async () => {
  const seen: unknown[] = [];
  const result = await runProcessor(
    processor(
      async (given) => {
        seen.push(given.parameters);
        return { text: given.text?.toUpperCase() ?? '', tags: ['loud'] };
      },
      { parameters: { volume: { type: 'number', default: 11 } } },
    ),
    input,
    { logger },
    1000,
  );
  assert.ok(result.ok);
  assert.deepEqual(result.output, { text: 'HELLO', tags: ['loud'] });
  assert.deepEqual(seen, [{ volume: 11 }]);
});

test('a throw, async or not, becomes a failure naming the processor and the reason', async () => {
  const asyncThrow = failure(
    await runProcessor(
      processor(async () => Promise.reject(new Error('disk on fire.'))),
      input,
      { logger },
      1000,
    ),
  );
  assert.equal(asyncThrow.code, 'internal');
  assert.equal(asyncThrow.reason, 'threw');
  assert.equal(asyncThrow.processor, 'shout@2.1.0');
  assert.match(asyncThrow.message, /^The processor "shout@2\.1\.0" failed \(disk on fire\):/);
  assert.ok(asyncThrow.cause instanceof Error);

  const syncThrow = failure(
    await runProcessor(
      processor(() => {
        throw new TypeError('not async');
      }),
      input,
      { logger },
      1000,
    ),
  );
  assert.match(syncThrow.message, /"shout@2\.1\.0" failed \(not async\)/);
});

test('a run past its timeout is aborted and reported as a timeout naming the processor', async () => {
  let aborted = false;
  const result = await runProcessor(
    processor(
      (_input, ctx) =>
        new Promise(() => {
          // Never settles: only the signal tells the processor to stop.
          ctx.signal.addEventListener('abort', () => (aborted = true));
        }),
    ),
    input,
    { logger },
    50,
  );
  const error = failure(result);
  assert.equal(error.reason, 'timeout');
  assert.match(error.message, /^The processor "shout@2\.1\.0" did not finish within 50 ms/);
  assert.equal(aborted, true);
  assert.ok(result.durationMs >= 45);
});

test("the caller's signal cancels a run", async () => {
  const controller = new AbortController();
  const pending = runProcessor(
    processor(() => new Promise(() => {})),
    input,
    { logger, signal: controller.signal },
    10_000,
  );
  controller.abort(new Error('shutting down'));
  const error = failure(await pending);
  assert.equal(error.reason, 'cancelled');
  assert.match(error.message, /was cancelled before it finished \(shutting down\)/);
});

test('garbage output is reported as an invalid output, not passed on', async () => {
  const cases: Array<[unknown, RegExp]> = [
    [undefined, /run resolved to undefined, not an object/],
    ['text', /run resolved to string, not an object/],
    [[], /run resolved to an array/],
    [{ tag: ['x'] }, /\(unknown field tag\)/],
    [{ tags: 'x' }, /\(tags: /],
    [
      { derived: [{ name: 'a', mediaType: 'text/plain', bytes: 'abc' }] },
      /\(derived\.0\.bytes: must be a Uint8Array\)/,
    ],
    [
      { derived: [{ name: 'a', mediaType: 'plain', bytes: new Uint8Array() }] },
      /derived\.0\.mediaType: must be a media type/,
    ],
    [{ relations: [{ type: 'cites' }] }, /\(relations\.0\.target: /],
  ];
  for (const [value, pattern] of cases) {
    const error = failure(
      await runProcessor(
        processor(async () => value as never),
        input,
        { logger },
        1000,
      ),
    );
    assert.equal(error.reason, 'invalid-output');
    assert.match(error.message, /^The processor "shout@2\.1\.0" returned an invalid output/);
    assert.match(error.message, pattern);
  }
  const ok = await runProcessor(
    processor(async () => ({
      derived: [{ name: 'a.txt', mediaType: 'text/plain; charset=utf-8', bytes: Buffer.from('a') }],
      relations: [{ type: 'cites', target: 'bafyreiother' }],
      metadata: { pages: 1 },
    })),
    input,
    { logger },
    1000,
  );
  assert.equal(ok.ok, true);
});

test('bad parameters and an unaccepted media type are refused before run is called', async () => {
  let calls = 0;
  const counted = processor(
    async () => {
      calls += 1;
      return {};
    },
    { accepts: ['image/*'], parameters: { volume: { type: 'number' } } },
  );
  const wrongType = await runProcessor(counted, input, { logger }, 1000);
  assert.ok(!wrongType.ok && wrongType.error instanceof InvalidInputError);
  assert.match(wrongType.error.message, /accepts image\/\*, not text\/plain/);
  const image = {
    ...input,
    unit: { ...input.unit, mediaType: 'image/png' },
    parameters: { volume: 'x' },
  };
  const badParameter = await runProcessor(counted, image, { logger }, 1000);
  assert.ok(!badParameter.ok && badParameter.error instanceof InvalidInputError);
  assert.match(
    badParameter.error.message,
    /"volume" of the processor "shout@2\.1\.0" must be of type number/,
  );
  assert.equal(calls, 0);
});
