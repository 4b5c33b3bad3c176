import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError } from '../core/errors.js';
import { MemoryEventLog } from '../events/memory-event-log.js';
import { MemoryEventStore } from '../events/memory-event-store.js';
import { parsePipeline } from './definition.js';
import { PipelineService } from './pipeline-service.js';

const definition = (description: string) =>
  parsePipeline(
    `name: documents
description: ${description}
trigger:
  events: [UnitIngested]
steps:
  - id: extract
    processor: extract-text
    version: "^1"
`,
    'documents.yaml',
  );

test('applying a definition creates the pipeline, again leaves it unchanged, a new one updates it', async () => {
  const service = new PipelineService(new MemoryEventStore());
  const created = await service.apply(definition('first'), 'ada');
  assert.equal(created.outcome, 'created');
  assert.equal(created.version, 1);
  const same = await service.apply(definition('first'));
  assert.deepEqual([same.outcome, same.version, same.position], ['unchanged', 1, 0]);
  const updated = await service.apply(definition('second'));
  assert.equal(updated.outcome, 'updated');
  assert.equal(updated.version, 2);
  assert.notEqual(updated.definitionCid, created.definitionCid);
  const current = await service.current('documents');
  assert.equal(current?.definition.description, 'second');
  assert.equal(current?.history.length, 2);
});

test('pausing and resuming record events once; a pipeline never applied is not found', async () => {
  const service = new PipelineService(new MemoryEventStore());
  await assert.rejects(service.pause('documents', 'maintenance'), NotFoundError);
  await service.apply(definition('first'));
  assert.equal((await service.pause('documents', 'maintenance')).outcome, 'paused');
  assert.equal((await service.pause('documents', 'again')).outcome, 'unchanged');
  assert.equal((await service.current('documents'))?.state, 'paused');
  const resumed = await service.resume('documents');
  assert.deepEqual([resumed.outcome, resumed.version], ['resumed', 3]);
});

test('two services applying at once: the store refuses one, which decides again on what won', async () => {
  const log = new MemoryEventLog();
  const a = new PipelineService(new MemoryEventStore(log));
  const b = new PipelineService(new MemoryEventStore(log));
  const [first, second] = await Promise.all([
    a.apply(definition('from a')),
    b.apply(definition('from b')),
  ]);
  assert.deepEqual(
    [first.outcome, second.outcome].sort(),
    ['created', 'updated'],
    'neither command was lost to the race',
  );
  assert.equal((await a.current('documents'))?.version, 2);
});
