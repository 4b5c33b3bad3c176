import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonValue, RecordedEvent } from '../core/envelope.js';
import { recordedEvent } from '../testing/recorded-event.js';
import { ConnectorSources } from './connector-sources.js';

const unit = (source: string) => ({
  content: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku',
  mediaType: 'text/plain',
  size: 1,
  name: 'a.txt',
  source,
  createdAt: '2026-01-01T00:00:00.000Z',
  tags: [],
  context: null,
  derivedFrom: [],
  producedBy: null,
  previous: null,
});

function by(actor: string, type: string, data: JsonValue): RecordedEvent {
  const recorded = recordedEvent(type, data, { domain: 'units' });
  return { ...recorded, event: { ...recorded.event, actor } };
}

const ingested = (actor: string, source: string) =>
  by(actor, 'UnitIngested', {
    unitCid: 'bafyreiu',
    documentId: 'd1',
    unit: unit(source),
    contentStored: true,
  });

test('a connector’s known sources are what it ingested, less what it saw go, by prefix', async () => {
  const sources = new ConnectorSources();
  sources.handle(ingested('connector:inbox', 'file:///srv/inbox/a.txt'));
  sources.handle(ingested('connector:inbox', 'file:///srv/inbox/sub/b.txt'));
  sources.handle(ingested('connector:other', 'file:///srv/inbox/c.txt'));
  sources.handle(ingested('user:ada', 'file:///srv/inbox/d.txt'));
  sources.handle(
    by('connector:inbox', 'SourceRemoved', {
      documentId: 'd1',
      source: 'file:///srv/inbox/a.txt',
      connector: 'inbox',
    }),
  );
  assert.deepEqual(await sources.of('inbox', 'file:///srv/inbox/'), [
    'file:///srv/inbox/sub/b.txt',
  ]);
  assert.deepEqual(await sources.of('inbox', 'file:///elsewhere/'), []);
  assert.deepEqual(await sources.of('other', ''), ['file:///srv/inbox/c.txt']);
  sources.reset();
  assert.deepEqual(await sources.of('inbox', ''), []);
});

test('known sources wait for the read model to catch up first', async () => {
  const sources = new ConnectorSources();
  let caughtUp = false;
  sources.setCatchUp(async () => {
    sources.handle(ingested('connector:inbox', 'file:///late.txt'));
    caughtUp = true;
  });
  assert.deepEqual(await sources.of('inbox', ''), ['file:///late.txt']);
  assert.ok(caughtUp);
});
