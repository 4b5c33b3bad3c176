import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNats } from '../testing/nats-harness.js';
import type { TestNats } from '../testing/nats-harness.js';
import { startNode } from '../runtime/node.js';
import type { RunningNode } from '../runtime/node.js';
import { resolveConfig } from '../core/config.js';
import { silentLogger } from '../runtime/logger.js';
import { newId } from '../core/ids.js';
import { ERROR_CODES } from '../core/errors.js';

let nats: TestNats;
let node: RunningNode;
let base: string;

before(async () => {
  nats = await startTestNats();
  const config = resolveConfig({
    // Bare nodes: the built-in first-run pipeline would add its own events and units.
    defaults: { dataDir: nats.dataDir, pipeline: { firstRun: 'none' } },
    env: {},
    flags: {
      http: { host: '127.0.0.1', port: 0 },
      nats: { url: nats.url },
      events: { maxEventBytes: 4096 },
    },
  });
  node = await startNode(config, ['events', 'ui'], silentLogger());
  base = node.httpUrl!;
});

after(async () => {
  await node.stop();
  await nats.stop();
});

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function appendBody(aggregateId: string, expectedVersion: number | 'any', data: unknown = {}) {
  return {
    domain: 'notes',
    aggregate: 'Note',
    aggregateId,
    expectedVersion,
    events: [{ type: 'NoteWritten', data }],
  };
}

async function expectProblem(
  response: Response,
  status: number,
  code: string,
): Promise<Record<string, unknown>> {
  assert.equal(response.status, status);
  assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/);
  const problem = (await response.json()) as Record<string, unknown>;
  assert.equal(problem['code'], code);
  assert.ok(ERROR_CODES.includes(problem['code'] as (typeof ERROR_CODES)[number]));
  assert.equal(problem['status'], status);
  assert.equal(typeof problem['detail'], 'string');
  assert.equal(typeof problem['title'], 'string');
  return problem;
}

test('GET /api/health answers ok with the server version', async () => {
  const response = await fetch(`${base}/api/health`);
  assert.equal(response.status, 200);
  const health = (await response.json()) as {
    status: string;
    nats: { serverVersion: string };
    components: { name: string }[];
  };
  assert.equal(health.status, 'ok');
  assert.match(health.nats.serverVersion, /^\d+\.\d+\.\d+/);
  assert.deepEqual(
    health.components.map((c) => c.name),
    ['events', 'ui'],
  );
});

test('POST /api/events appends (201) and a stale expected version is a 409 problem with the actual version', async () => {
  const id = newId();
  const created = await post('/api/events', appendBody(id, 0, { title: 'a' }));
  assert.equal(created.status, 201);
  const body = (await created.json()) as {
    version: number;
    events: { cid: string; position: number }[];
  };
  assert.equal(body.version, 1);
  assert.match(body.events[0]!.cid, /^baguqeera/);
  const problem = await expectProblem(
    await post('/api/events', appendBody(id, 0)),
    409,
    'version_conflict',
  );
  assert.equal(problem['actualVersion'], 1);
});

test('bad input is a 400/413 problem and writes nothing', async () => {
  const id = newId();
  await expectProblem(await post('/api/events', appendBody('a.b', 0)), 400, 'invalid_input');
  await expectProblem(
    await post('/api/events', { ...appendBody(id, 0), extra: 1 }),
    400,
    'invalid_input',
  );
  await expectProblem(
    await post('/api/events', appendBody(id, 0, 'x'.repeat(5000))),
    413,
    'too_large',
  );
  const wrongData = await expectProblem(
    await post('/api/events', {
      ...appendBody(id, 0),
      events: [{ type: 'UnitAnnotated', data: { unitCid: 'bafy', tags: 'x' } }],
    }),
    400,
    'invalid_input',
  );
  assert.match(
    String(wrongData['detail']),
    /events\.0\.data: is not the data of a UnitAnnotated event \(tags: .*\): CIM defines that type/,
  );
  const malformed = await fetch(`${base}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{nope',
  });
  await expectProblem(malformed, 400, 'invalid_input');
  await expectProblem(await fetch(`${base}/api/events?limit=0`), 400, 'invalid_input');
  await expectProblem(await fetch(`${base}/api/nothing-here`), 404, 'not_found');
  const page = (await (await fetch(`${base}/api/events?aggregateId=${id}`)).json()) as {
    events: unknown[];
  };
  assert.equal(page.events.length, 0);
});

test('GET /api/events pages by position; NATS request/reply gives the same page', async () => {
  const id = newId();
  await post('/api/events', appendBody(id, 0));
  await post('/api/events', appendBody(id, 1));
  const http = (await (await fetch(`${base}/api/events?aggregateId=${id}&limit=10`)).json()) as {
    events: { version: number }[];
    next: number;
  };
  assert.deepEqual(
    http.events.map((e) => e.version),
    [1, 2],
  );
  const reply = await nats.nc.request(
    'cim.api.events.list',
    JSON.stringify({ aggregateId: id, limit: 10 }),
    { timeout: 5000 },
  );
  assert.deepEqual(reply.json<{ result: unknown }>().result, http);
  const bad = await nats.nc.request('cim.api.events.list', JSON.stringify({ limit: -1 }), {
    timeout: 5000,
  });
  assert.equal(bad.json<{ error: { code: string } }>().error.code, 'invalid_input');
});

test('the live event stream delivers new events as server-sent events', async () => {
  const id = newId();
  const controller = new AbortController();
  const response = await fetch(`${base}/api/events/stream?aggregateId=${id}`, {
    signal: controller.signal,
  });
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  await post('/api/events', appendBody(id, 0, { live: true }));
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of response.body!) {
    text += decoder.decode(chunk as Uint8Array);
    if (text.includes('event: event')) break;
  }
  controller.abort();
  const data = text.split('\n').find((line) => line.startsWith('data: '))!;
  assert.equal((JSON.parse(data.slice(6)) as { aggregateId: string }).aggregateId, id);
});

test('POST /api/events/verify reports a sound stream and GET /metrics is Prometheus text', async () => {
  const report = (await (await post('/api/events/verify', {})).json()) as {
    ok: boolean;
    events: number;
  };
  assert.equal(report.ok, true);
  assert.ok(report.events > 0);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /# TYPE cim_api_requests_total counter/);
  assert.match(
    metrics,
    /cim_api_requests_total\{operation="events.append",outcome="version_conflict"\}/,
  );
});
