import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { headers } from '@nats-io/nats-core';
import { startTestNats } from '../testing/nats-harness.js';
import type { TestNats } from '../testing/nats-harness.js';
import { startNode } from '../runtime/node.js';
import type { RunningNode } from '../runtime/node.js';
import { COMPONENTS } from '../core/components.js';
import { resolveConfig } from '../core/config.js';
import { apiSubject } from '../core/subjects.js';
import { silentLogger } from '../runtime/logger.js';
import { newId } from '../core/ids.js';
import { createFirstAdmin, createToken } from '../testing/auth.js';
import type { NatsReply } from './dispatcher.js';
import type { OpenApiDocument } from './openapi.js';
import { openApiPath } from './openapi.js';
import { OPERATIONS } from './operations/index.js';
import { publicEntries, ROUTE_ACCESS } from './route-access.js';
import type { Access } from '../core/access.js';
import { WEB_APP_DIR } from './web-app.js';

let nats: TestNats;
let node: RunningNode;
let base: string;
let document: OpenApiDocument;
let reader: string;
let writer: string;

before(async () => {
  nats = await startTestNats();
  const config = resolveConfig({
    // Bare nodes: the built-in first-run pipeline would add its own events and units.
    defaults: { dataDir: nats.dataDir, pipeline: { firstRun: 'none' } },
    env: {},
    flags: { http: { host: '127.0.0.1', port: 0 }, nats: { url: nats.url } },
  });
  node = await startNode(config, COMPONENTS, silentLogger());
  base = node.httpUrl!;
  const admin = await createFirstAdmin(base);
  reader = await createToken(base, admin, 'reader', 'reading');
  writer = await createToken(base, admin, 'writer', 'writing');
  document = (await (await fetch(`${base}/api/openapi.json`)).json()) as OpenApiDocument;
});

after(async () => {
  await node?.stop();
  await nats?.stop();
});

/** What each documented route needs, by `METHOD /openapi/{path}`. */
function documentedAccess(): Map<string, Access> {
  const access = new Map<string, Access>();
  for (const op of OPERATIONS)
    if (op.http) access.set(`${op.http.method} ${openApiPath(op.http.path)}`, op.access);
  for (const route of ROUTE_ACCESS)
    access.set(`${route.method} ${openApiPath(route.path)}`, route.access);
  return access;
}

function urlOf(path: string): string {
  const asset = readdirSync(join(WEB_APP_DIR, 'assets'))[0] ?? 'missing.js';
  return (
    base +
    path
      .replace('{cid}', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')
      .replace('{name}', 'nothing')
      .replace('{username}', 'nobody')
      .replace('{id}', 'nothing')
      .replace('/assets/{path}', `/assets/${asset}`)
  );
}

async function call(method: string, path: string, authorization?: string) {
  const controller = new AbortController();
  const response = await fetch(urlOf(path), {
    method,
    headers: {
      ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      ...(authorization !== undefined ? { authorization } : {}),
    },
    ...(method === 'POST' ? { body: '{}' } : {}),
    signal: controller.signal,
  });
  // The live stream never ends: its status is all this needs.
  const body =
    path === '/api/events/stream' && response.status === 200 ? '' : await response.text();
  controller.abort();
  return { status: response.status, body };
}

test('only health, the OpenAPI document, the sign-in exchange, who-am-I, the web app and its assets are public', () => {
  assert.deepEqual(publicEntries(OPERATIONS).sort(), [
    'GET /',
    'GET /api/auth/me',
    'GET /api/health',
    'GET /api/openapi.json',
    'GET /assets/*',
    'POST /api/auth/sign-in',
    'POST /api/auth/sign-out',
    'POST /api/auth/tokens',
  ]);
  // A POST changes something: none of them is open to a reader (the sign-in exchange aside),
  // but one's own password, which changes nothing but the caller's own account.
  const ownAccount = new Set(['/api/auth/password']);
  for (const op of OPERATIONS)
    if (op.http?.method === 'POST' && op.access !== 'public' && !ownAccount.has(op.http.path))
      assert.notEqual(op.access, 'reader', `${op.http.path} is a write open to readers`);
});

test('every route of /api/openapi.json refuses callers without credentials (401) and readers where it writes (403)', async () => {
  const access = documentedAccess();
  let walked = 0;
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of Object.keys(item).map((m) => m.toUpperCase())) {
      const key = `${method} ${path}`;
      const needed = access.get(key);
      assert.ok(needed !== undefined, `${key} is documented but has no access`);
      const anonymous = await call(method, path);
      if (needed === 'public') {
        assert.ok(![401, 403].includes(anonymous.status), `${key} is public: ${anonymous.status}`);
      } else {
        assert.equal(anonymous.status, 401, `${key} without credentials: ${anonymous.body}`);
        // A HEAD answer has no body to hold the problem document.
        if (method !== 'HEAD') assert.equal(JSON.parse(anonymous.body).code, 'unauthenticated');
      }
      const asReader = await call(method, path, reader);
      if (needed === 'writer' || needed === 'admin') {
        assert.equal(asReader.status, 403, `${key} as a reader: ${asReader.body}`);
        if (method !== 'HEAD') assert.equal(JSON.parse(asReader.body).code, 'forbidden');
      } else {
        assert.ok(![401, 403].includes(asReader.status), `${key} as a reader: ${asReader.status}`);
      }
      walked += 1;
    }
  }
  assert.equal(walked, OPERATIONS.filter((op) => op.http).length + ROUTE_ACCESS.length);
});

test('a revoked, mistyped or foreign token is refused as unauthenticated, even on a node that had no-sign-in mode', async () => {
  const forged = await call('GET', '/api/units', 'Bearer cim_not-a-token');
  assert.equal(forged.status, 401);
  assert.match(JSON.parse(forged.body).detail, /not valid/);
});

test('every cim.api operation over NATS refuses requests without credentials and readers where it writes', async () => {
  const nc = nats.nc;
  const ask = async (subject: string, authorization?: string) => {
    const h = headers();
    if (authorization !== undefined) h.set('Authorization', authorization);
    const msg = await nc.request(subject, '{}', { timeout: 10_000, headers: h });
    return msg.json<NatsReply>();
  };
  for (const op of OPERATIONS) {
    const subject = apiSubject(op.component, op.name);
    const anonymous = await ask(subject);
    if (op.access === 'public') {
      assert.ok(
        !('error' in anonymous) || !['unauthenticated', 'forbidden'].includes(anonymous.error.code),
        `${subject} is public`,
      );
    } else {
      assert.ok('error' in anonymous, `${subject} answered without credentials`);
      assert.equal(anonymous.error.code, 'unauthenticated', subject);
    }
    const asReader = await ask(subject, reader);
    if (op.access === 'writer' || op.access === 'admin') {
      assert.ok('error' in asReader, `${subject} answered a reader`);
      assert.equal(asReader.error.code, 'forbidden', subject);
    } else if ('error' in asReader) {
      assert.ok(!['unauthenticated', 'forbidden'].includes(asReader.error.code), subject);
    }
  }
});

test('events written through the API record the signed-in principal; a caller cannot set the actor', async () => {
  const append = (body: unknown, authorization: string) =>
    fetch(`${base}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify(body),
    });
  const event = {
    domain: 'test',
    aggregate: 'Thing',
    aggregateId: newId(),
    expectedVersion: 0,
    events: [{ type: 'ThingHappened', data: { n: 1 } }],
  };
  const claimed = await append({ ...event, actor: 'user:someone-else' }, writer);
  assert.equal(claimed.status, 400);
  assert.match(((await claimed.json()) as { detail: string }).detail, /actor/);
  const written = await append(event, writer);
  assert.equal(written.status, 201);
  const reply = (await written.json()) as { events: { actor: string }[] };
  assert.equal(reply.events[0]!.actor, 'token:writing');

  const uploaded = await fetch(`${base}/api/units?name=by-writer.txt`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', authorization: writer },
    body: 'written by the writer token',
  });
  assert.equal(uploaded.status, 201);
  const page = (await (
    await fetch(`${base}/api/events?tail=true&limit=20&domain=units`, {
      headers: { authorization: reader },
    })
  ).json()) as { events: { type: string; actor: string; data: { unit?: { name: string } } }[] };
  const ingested = page.events.find((e) => e.data.unit?.name === 'by-writer.txt');
  assert.equal(ingested?.actor, 'token:writing');
});
