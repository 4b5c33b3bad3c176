import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { startTestNats } from '../testing/nats-harness.js';
import type { TestNats } from '../testing/nats-harness.js';
import { startNode } from '../runtime/node.js';
import type { RunningNode } from '../runtime/node.js';
import { COMPONENTS } from '../core/components.js';
import { resolveConfig } from '../core/config.js';
import { silentLogger } from '../runtime/logger.js';
import { newId } from '../core/ids.js';
import { buildHttpServer, registeredRoutes } from './http-server.js';
import { Metrics } from './metrics.js';
import type { OpenApiDocument } from './openapi.js';
import { openApiPath } from './openapi.js';
import { OPERATIONS } from './operations/index.js';
import { ROUTE_DOCS } from './route-docs.js';
import { WEB_APP_DIR } from './web-app.js';
import { ingestResultSchema } from './schemas/units.js';
import { createFirstAdmin, createToken, TEST_PASSWORD } from '../testing/auth.js';
import { until } from '../testing/until.js';

const PIPELINE = readFileSync(
  new URL('../../../examples/pipelines/documents.yaml', import.meta.url),
  'utf8',
);

let nats: TestNats;
let node: RunningNode;
let base: string;
let document: OpenApiDocument;
/** The unit every `{cid}` of a units route names, ingested before the checks. */
let unit: z.infer<typeof ingestResultSchema>;
/** An admin's `Authorization` value: the node requires sign-in once its first user exists. */
let admin: string;
/** A web session's listed id, for the session routes. */
let sessionId: string;
/** Stream position of the connector's first checkpoint, where its rewind goes. */
let checkpoint: number;
const PASSWORD = TEST_PASSWORD;

before(async () => {
  assert.ok(
    existsSync(join(WEB_APP_DIR, 'index.html')),
    'the web app is not built: run npm run build first',
  );
  nats = await startTestNats();
  const config = resolveConfig({
    // Bare nodes: the built-in first-run pipeline would add its own events and units.
    defaults: { dataDir: nats.dataDir, pipeline: { firstRun: 'none' } },
    env: {},
    flags: {
      http: { host: '127.0.0.1', port: 0 },
      nats: { url: nats.url },
      storage: { tiers: { warm: { kind: 'folder', path: join(nats.dataDir, 'warm') } } },
    },
  });
  node = await startNode(config, COMPONENTS, silentLogger());
  base = node.httpUrl!;
  document = (await (await fetch(`${base}/api/openapi.json`)).json()) as OpenApiDocument;
  const uploaded = await fetch(`${base}/api/units?name=notes.txt&tag=openapi`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: 'quartz harbour lantern, written for the OpenAPI check',
  });
  assert.equal(uploaded.status, 201);
  unit = ingestResultSchema.parse(await uploaded.json());
  const applied = await fetch(`${base}/api/pipelines`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: PIPELINE, fileName: 'documents.yaml' }),
  });
  assert.equal(applied.status, 200);
  // From here on the node requires sign-in: every request below is an admin's.
  admin = await createFirstAdmin(base, 'openapi');
  await createToken(base, admin, 'reader', 'documents');
  const reader = await fetch(`${base}/api/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: admin },
    body: JSON.stringify({ username: 'reader1', password: PASSWORD, role: 'reader' }),
  });
  assert.equal(reader.status, 201);
  const signedIn = await fetch(`${base}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'reader1', password: PASSWORD }),
  });
  assert.equal(signedIn.status, 200);
  const sessions = (await (
    await fetch(`${base}/api/auth/sessions`, { headers: { authorization: admin } })
  ).json()) as { sessions: { id: string }[] };
  sessionId = sessions.sessions[0]!.id;
  // A connector named like the pipeline (the paths' {name}), polled once, so a checkpoint exists.
  const inbox = join(nats.dataDir, 'inbox');
  mkdirSync(inbox, { recursive: true });
  const connector = await fetch(`${base}/api/connectors`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: admin },
    body: JSON.stringify({
      definition: {
        name: 'documents',
        kind: 'folder',
        intervalMs: 60_000,
        settings: { path: inbox },
      },
    }),
  });
  assert.equal(connector.status, 200, await connector.clone().text());
  checkpoint = await until('the connector’s first checkpoint', async () => {
    const shown = (await (
      await fetch(`${base}/api/connectors/documents`, { headers: { authorization: admin } })
    ).json()) as { lastCheckpoint: { position: number } | null };
    return shown.lastCheckpoint?.position;
  });
});

after(async () => {
  await node?.stop();
  await nats?.stop();
});

test('every route the HTTP server registers is in /api/openapi.json', async () => {
  const app = buildHttpServer({
    operations: OPERATIONS,
    version: 'test',
    // Registering routes touches neither: the routes are what is checked here.
    dispatcher: undefined as never,
    units: undefined as never,
    authentication: undefined as never,
    auth: undefined as never,
    metrics: new Metrics(),
    logger: silentLogger(),
    bodyLimit: 1024,
  });
  await app.ready();
  const routes = registeredRoutes(app);
  assert.ok(routes.length > OPERATIONS.length, 'the routes were recorded');
  const documented = (method: string, url: string) =>
    document.paths[openApiPath(url)]?.[method.toLowerCase()] !== undefined;
  for (const { method, url } of routes) {
    // Fastify answers HEAD for every GET route by itself; the GET describes both.
    const covered = documented(method, url) || (method === 'HEAD' && documented('GET', url));
    assert.ok(covered, `${method} ${url} is registered but not in the OpenAPI document`);
  }
  await app.close();
});

/** A request for each documented route, with values that exist on the node. */
function requestFor(method: string, path: string): { url: string; init: RequestInit } {
  const json = (body: unknown): RequestInit => ({
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const asset = () => readdirSync(join(WEB_APP_DIR, 'assets'))[0]!;
  const bodies: Record<string, () => RequestInit> = {
    'POST /api/events': () =>
      json({
        domain: 'test',
        aggregate: 'Thing',
        aggregateId: newId(),
        expectedVersion: 0,
        events: [{ type: 'ThingHappened', data: { n: 1 } }],
      }),
    'POST /api/events/archive': () => json({ to: 'warm', through: 1 }),
    'POST /api/backup': () => json({ to: 'warm', incremental: true }),
    'POST /api/pipelines': () => json({ text: PIPELINE }),
    'POST /api/pipelines/{name}/pause': () => json({ reason: 'checked' }),
    'POST /api/pipelines/{name}/run': () => json({ backfill: true }),
    'POST /api/storage/tier': () => json({ cid: unit.contentCid, to: 'hot', keep: true }),
    'POST /api/storage/policies': () =>
      json({ policy: { name: 'openapi', rules: [{ from: 'hot', to: 'warm', keepCopy: true }] } }),
    'POST /api/units': () => ({ method, body: 'more text', headers: {} }),
    'POST /api/auth/tokens': () => json({ username: 'openapi', password: PASSWORD }),
    'POST /api/users': () => json({ username: 'second', password: PASSWORD, role: 'reader' }),
    'POST /api/users/{username}/role': () => json({ role: 'writer' }),
    'POST /api/tokens': () => json({ role: 'reader' }),
    'POST /api/auth/sign-in': () => json({ username: 'openapi', password: PASSWORD }),
    // The same password again: later requests still sign in with it.
    'POST /api/auth/password': () => json({ currentPassword: PASSWORD, newPassword: PASSWORD }),
    'POST /api/users/{username}/password': () => json({ password: PASSWORD }),
    'POST /api/connectors': () =>
      json({
        text: `name: documents\nkind: folder\nintervalMs: 60000\nsettings:\n  path: ${JSON.stringify(join(nats.dataDir, 'inbox'))}\n`,
      }),
    'POST /api/connectors/{name}/rewind': () => json({ to: checkpoint }),
  };
  // A reset ends the user's sessions: not reader1's, whose session a later route revokes.
  const user = path === '/api/users/{username}/password' ? 'openapi' : 'reader1';
  const url = path
    .replace('/api/units/{cid}', `/api/units/${unit.unitCid}`)
    .replace('{cid}', unit.contentCid)
    .replace('{name}', 'documents')
    .replace('{username}', user)
    .replace('{id}', sessionId)
    .replace('/assets/{path}', `/assets/${asset()}`);
  const query: Record<string, string> = {
    'GET /api/search': '?q=quartz',
    'POST /api/units': '?name=more.txt',
  };
  const key = `${method} ${path}`;
  const init = bodies[key]?.() ?? (method === 'POST' ? json({}) : { method });
  return {
    url: `${base}${url}${query[key] ?? ''}`,
    init: { ...init, headers: { ...(init.headers as object), authorization: admin } },
  };
}

test('every documented route answers on a running node, operations with their output schema', async () => {
  const outputs = new Map<string, z.ZodType>(
    OPERATIONS.flatMap((op) =>
      op.http ? [[`${op.http.method} ${openApiPath(op.http.path)}`, op.output] as const] : [],
    ),
  );
  const checked: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of Object.keys(item).map((m) => m.toUpperCase())) {
      const key = `${method} ${path}`;
      const { url, init } = requestFor(method, path);
      const controller = new AbortController();
      const response = await fetch(url, { ...init, signal: controller.signal });
      const text = path === '/api/events/stream' ? '' : await response.text();
      controller.abort();
      assert.ok(
        response.status !== 404 && response.status < 500,
        `${key} answered ${response.status}: ${text}`,
      );
      const output = outputs.get(key);
      if (output) {
        const parsed = output.safeParse(JSON.parse(text));
        assert.ok(
          parsed.success,
          `${key}'s reply does not fit its schema: ${parsed.error?.message}`,
        );
      }
      checked.push(key);
    }
  }
  assert.equal(checked.length, OPERATIONS.length + ROUTE_DOCS.length);
});
