import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../core/config.js';
import { UnitIngested } from '../core/catalogue/units.js';
import { UnitSeenAgain } from '../core/catalogue/hub.js';
import { JetStreamEventStore } from '../events/jetstream-event-store.js';
import { silentLogger } from '../runtime/logger.js';
import { startHub } from '../runtime/hub-component.js';
import type { HubComponent } from '../runtime/hub-component.js';
import { startTestNats } from '../testing/nats-harness.js';
import type { TestNats } from '../testing/nats-harness.js';
import { startTcpProxy } from '../testing/tcp-proxy.js';
import { until } from '../testing/until.js';
import { DOCUMENT_AGGREGATE, UNITS_DOMAIN } from '../units/unit-events.js';
import { isStalled } from './connector-catalog.js';
import { parseConnector } from './definition.js';
import { pluginKinds } from './connector-kinds.js';

const root = mkdtempSync(join(tmpdir(), 'cim-hub-runner-'));
const fixture = fileURLToPath(
  new URL('../testing/fixtures/http-list-connector.js', import.meta.url),
);
let nats: TestNats;
let store: JetStreamEventStore;

/** A source the test controls: the list it serves, and whether it wants a token. */
interface Source {
  items: { id: string; body: string }[];
  token: string | undefined;
  hang: boolean;
  requests: number;
  readonly url: string;
  readonly server: Server;
}

async function startSource(): Promise<Source> {
  const source = { items: [], token: undefined, hang: false, requests: 0 } as unknown as Source;
  const server = createServer((req, res) => {
    source.requests++;
    if (source.hang) return; // accepts and never answers
    if (source.token !== undefined && req.headers.authorization !== `Bearer ${source.token}`) {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(source.items));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return Object.assign(source, { server, url: `http://127.0.0.1:${port}/items` });
}

const config = () => configSchema.parse({ dataDir: root, plugins: [fixture] });

before(async () => {
  nats = await startTestNats();
  store = await JetStreamEventStore.open(nats.nc, { maxEventBytes: 1_000_000 });
});

after(async () => {
  await nats.stop();
  rmSync(root, { recursive: true, force: true });
});

async function apply(hub: HubComponent, yaml: string) {
  const definition = parseConnector(yaml, 'c.yaml', pluginKinds(hub.context.plugins));
  return hub.context.service.apply(definition, 'test');
}

async function unitsOf(url: string, id: string) {
  const { documentId } = await import('../units/document-id.js');
  const ref = {
    domain: UNITS_DOMAIN,
    aggregate: DOCUMENT_AGGREGATE,
    aggregateId: documentId(`${url}#${id}`),
  };
  return store.readAggregate(ref);
}

test('the runner polls a connector, stores its items once, and a restart resumes from the checkpoint', async () => {
  const source = await startSource();
  source.items = [
    { id: 'a', body: 'first' },
    { id: 'b', body: 'second' },
    { id: 'c', body: 'first' },
  ];
  let hub = await startHub(nats.nc, store, config(), silentLogger());
  try {
    await apply(
      hub,
      `name: list\nkind: http-list\nintervalMs: 300\ntags: [inbox]\nsettings:\n  url: ${source.url}\n`,
    );
    const ran = await until('three items counted', async () => {
      const s = hub.context.catalog.get('list');
      return s && s.counts.stored + s.counts.linked === 3 && s.lastCompletedAt !== null
        ? s
        : undefined;
    });
    assert.equal(ran.state, 'running');
    assert.deepEqual([ran.counts.stored, ran.counts.linked, ran.counts.failed], [2, 1, 0]);
    assert.equal(ran.cursor, 3);
    const [ingested] = await unitsOf(source.url, 'a');
    const unit = UnitIngested.parse(ingested!);
    assert.deepEqual([unit.unit.tags, ingested!.event.actor], [['inbox'], 'connector:list']);
  } finally {
    await hub.stop();
  }
  // Items that came while the hub was down arrive after the restart; the old ones are not read again.
  source.items.push({ id: 'd', body: 'fourth' });
  hub = await startHub(nats.nc, store, config(), silentLogger());
  try {
    await until('the new item', async () =>
      (await unitsOf(source.url, 'd')).length > 0 ? true : undefined,
    );
    const s = hub.context.catalog.get('list')!;
    assert.equal((await unitsOf(source.url, 'a')).length, 1, 'a was not read again');
    assert.ok(s.counts.seenAgain === 0);
    // A rewind to the first checkpoint re-reads: what is stored is seen again, not stored twice.
    const first = s.checkpoints[0]!;
    await hub.context.service.rewind('list', first.position, 'backfill', 'test');
    await until('a seen again', async () => {
      const events = await unitsOf(source.url, 'b');
      return events.some((e) => UnitSeenAgain.is(e)) ? true : undefined;
    });
    assert.equal((await unitsOf(source.url, 'b')).filter((e) => UnitIngested.is(e)).length, 1);
  } finally {
    await hub.stop();
    source.server.close();
  }
});

test('a wrong credential file makes the connector failed with one sentence; fixing it recovers', async () => {
  const source = await startSource();
  source.token = 'right-token';
  source.items = [{ id: 'x', body: 'secret stuff' }];
  const tokenFile = join(root, 'token');
  writeFileSync(tokenFile, 'wrong-token\n');
  const hub = await startHub(nats.nc, store, config(), silentLogger());
  try {
    await apply(
      hub,
      `name: guarded\nkind: http-list\nintervalMs: 200\nretry: {backoffMs: 100, maxBackoffMs: 200}\nsettings:\n  url: ${source.url}\n  tokenFile: ${tokenFile}\n`,
    );
    const failed = await until('failed', async () => {
      const s = hub.context.catalog.get('guarded');
      return s?.state === 'failed' ? s : undefined;
    });
    assert.match(
      failed.reason ?? '',
      /refused the token: check the file named in settings\.tokenFile\.$/,
    );
    assert.doesNotMatch(failed.reason ?? '', /wrong-token|right-token/);
    writeFileSync(tokenFile, 'right-token\n');
    const recovered = await until('running again', async () => {
      const s = hub.context.catalog.get('guarded');
      return s?.state === 'running' && s.counts.stored === 1 ? s : undefined;
    });
    assert.deepEqual([recovered.reason, recovered.consecutiveFailures], [null, 0]);
  } finally {
    await hub.stop();
    source.server.close();
  }
});

test('a source that accepts and never answers shows stalled within twice its schedule, and recovers', async () => {
  const source = await startSource();
  source.items = [{ id: 'p', body: 'page' }];
  const proxy = await startTcpProxy(source.url.replace('/items', ''));
  const hub = await startHub(nats.nc, store, config(), silentLogger());
  try {
    const interval = 300;
    await apply(
      hub,
      `name: hanging\nkind: http-list\nintervalMs: ${interval}\nretry: {backoffMs: 100, maxBackoffMs: 200}\nsettings:\n  url: ${proxy.url}/items\n  timeoutMs: 3000\n`,
    );
    await until(
      'a first poll',
      async () => hub.context.catalog.get('hanging')?.lastCompletedAt ?? undefined,
    );
    source.hang = true;
    const hungAt = Date.now();
    await until('stalled', async () => {
      const s = hub.context.catalog.get('hanging');
      return s && isStalled(s, Date.now()) ? true : undefined;
    });
    // Twice the schedule, plus one poll interval of slack for the first hanging poll to start.
    assert.ok(Date.now() - hungAt < 3 * interval + 1000, `stalled after ${Date.now() - hungAt} ms`);
    source.hang = false;
    let last: unknown;
    await until('recovered', async () => {
      const s = hub.context.catalog.get('hanging');
      last = s;
      return s &&
        s.state === 'running' &&
        !isStalled(s, Date.now()) &&
        s.lastCompletedAt! > new Date(hungAt).toISOString()
        ? true
        : undefined;
    }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}: ${JSON.stringify(last)}`);
    });
  } finally {
    await hub.stop();
    await proxy.close();
    source.server.closeAllConnections();
    source.server.close();
  }
});
