import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnavailableError } from '../core/errors.js';
import { MemoryEventStore } from '../events/memory-event-store.js';
import { definePlugin } from '../plugins/plugin-api.js';
import { loadPlugins } from '../plugins/plugin-loader.js';
import { PluginSet } from '../plugins/plugin-registry.js';
import { silentLogger } from '../runtime/logger.js';
import type { ContentStore } from '../storage/content-store.js';
import { UnitService } from '../units/unit-service.js';
import type { Unit } from '../units/unit.js';
import { unitCid } from '../units/unit.js';
import { validatePipeline } from './definition.js';
import type { StepResultStore } from './step-results.js';
import { runUnit } from './unit-run.js';

/** A store that takes every write and gives nothing back: the next step's read of text fails. */
const forgetful: ContentStore = {
  async has() {
    return false;
  },
  async put(_cid, _size, source) {
    for await (const _ of source());
    return { stored: true };
  },
  async get() {
    return undefined;
  },
};

test('a run cut short by an exception leaves no step-result write to fail unhandled (it would end the process)', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const plugin = definePlugin({
      name: 'cim-test-two-steps',
      version: '1.0.0',
      cimApi: '^1.0.0',
      provides: {
        processors: {
          first: { version: '1.0.0', description: 'gives text', run: async () => ({ text: 'x' }) },
          second: { version: '1.0.0', description: 'reads it', run: async () => ({}) },
        },
      },
    });
    const logger = silentLogger();
    const plugins = new PluginSet(
      await loadPlugins([], { baseDir: process.cwd(), builtins: [plugin], logger }),
    );
    const events = new MemoryEventStore();
    // The step result of the first step is written, and its write fails once the run is over,
    // as a KV put does that gets no ack during a failover.
    const results: StepResultStore = {
      async get() {
        return undefined;
      },
      async put() {
        await sleep(30);
        throw new UnavailableError('No reply from NATS within 10000 ms.');
      },
    };
    const unit: Unit = {
      content: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku',
      mediaType: 'text/plain',
      size: 1,
      name: 'a.txt',
      source: 'file:///a.txt',
      createdAt: new Date().toISOString(),
      tags: [],
      context: null,
      derivedFrom: [],
      producedBy: null,
      previous: null,
    };
    const pipeline = validatePipeline(
      {
        name: 'two',
        trigger: { events: ['UnitIngested'] },
        steps: [
          { id: 'a', processor: 'first' },
          { id: 'b', processor: 'second', after: ['a'] },
        ],
      },
      'test',
    );
    const deps = {
      events,
      content: forgetful,
      units: new UnitService(events, forgetful, { spoolDir: tmpdir(), maxContentBytes: 1024 }),
      plugins,
      results,
      logger,
      processorTimeoutMs: 5_000,
    };
    const target = { unitCid: unitCid(unit), unit, correlationId: 'c', causationId: 'e' };
    await assert.rejects(runUnit(deps, pipeline, target, 1, false), /is not in the store/);
    // Long enough for the first step's write to have failed.
    await sleep(100);
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
