import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Authentication } from '../auth/authentication.js';
import { LOCAL_PRINCIPAL } from '../core/access.js';
import { buildHttpServer, listen } from './http-server.js';
import { Metrics } from './metrics.js';
import { OPERATIONS } from './operations/index.js';
import { silentLogger } from '../runtime/logger.js';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import { makeTestCertificates } from '../testing/test-ca.js';
import type { TestCertificates } from '../testing/test-ca.js';

const APP_CSP =
  "default-src 'self';img-src 'self' data: blob:;style-src 'self' 'unsafe-inline';object-src 'self';frame-src 'self';frame-ancestors 'none';base-uri 'none';form-action 'self'";
const CONTENT_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'";

const root = mkdtempSync(join(tmpdir(), 'cim-hardening-'));
let certs: TestCertificates;
let ca: Buffer;
let node: CimUp;

before(async () => {
  certs = makeTestCertificates(root);
  ca = readFileSync(certs.caFile);
  const config = join(root, 'cim.json');
  writeFileSync(
    config,
    JSON.stringify({ http: { tls: { cert: certs.certFile, key: certs.keyFile } } }),
  );
  // Debug logging, so the check that the key is never logged sees everything the node says.
  node = await startCimUp(['--data', join(root, 'node'), '--config', config], {
    CIM_LOG_LEVEL: 'debug',
  });
});

after(async () => {
  await node?.stop();
  rmSync(root, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** An HTTPS request that trusts only the test CA. */
function secure(
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { ca, method: init.method ?? 'GET', headers: init.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** A server built the way the node builds it, with no components behind it. */
async function bareServer(options: {
  bodyLimit?: number;
  idleTimeoutMs?: number;
  requestTimeoutMs?: number;
}): Promise<{ app: FastifyInstance; base: string; port: number }> {
  const app = buildHttpServer({
    operations: OPERATIONS,
    version: 'test',
    // Nothing here reaches an operation or the content: only what happens before them is checked.
    dispatcher: undefined as never,
    units: undefined as never,
    // Every caller is the no-sign-in mode's `local`: what is checked here comes before access.
    authentication: new Authentication(
      [{ authenticate: async () => LOCAL_PRINCIPAL }],
      () => false,
    ),
    auth: undefined as never,
    metrics: new Metrics(),
    logger: silentLogger(),
    bodyLimit: options.bodyLimit ?? 1_000_000,
    ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
    ...(options.requestTimeoutMs !== undefined
      ? { requestTimeoutMs: options.requestTimeoutMs }
      : {}),
  });
  const { port } = await listen(app, '127.0.0.1', 0);
  return { app, base: `http://127.0.0.1:${port}`, port };
}

test('with http.tls the node serves HTTPS with a certificate the test CA signed, and HSTS', async () => {
  assert.match(node.ready.ui, /^https:\/\/127\.0\.0\.1:\d+$/);
  const health = await secure(`${node.ready.ui}/api/health`);
  assert.equal(health.status, 200, health.body);
  assert.match(String(health.headers['strict-transport-security']), /max-age=31536000/);
  await assert.rejects(
    fetch(node.ready.ui.replace('https:', 'http:') + '/api/health'),
    'plain HTTP to the HTTPS port gets no answer',
  );
  await assert.rejects(
    fetch(`${node.ready.ui}/api/health`),
    'a client that does not trust the CA is refused the connection',
  );
});

test('the web app, the API and the content route each carry their security headers', async () => {
  const page = await secure(`${node.ready.ui}/units`);
  assert.equal(page.status, 200);
  assert.equal(page.headers['content-security-policy'], APP_CSP);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  assert.equal(page.headers['x-frame-options'], 'SAMEORIGIN');
  assert.equal(page.headers['cross-origin-opener-policy'], 'same-origin');
  assert.equal(page.headers['cross-origin-resource-policy'], 'same-origin');

  const api = await secure(`${node.ready.ui}/api/health`);
  assert.equal(api.headers['content-security-policy'], APP_CSP);
  assert.equal(api.headers['x-content-type-options'], 'nosniff');

  const html = '<script>parent.document.title = "owned"</script>';
  const upload = await secure(`${node.ready.ui}/api/units?name=page.html&wait=10000`, {
    method: 'POST',
    body: html,
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(upload.status, 201, upload.body);
  const { unitCid } = JSON.parse(upload.body) as { unitCid: string };
  const content = await secure(`${node.ready.ui}/api/units/${unitCid}/content`);
  assert.equal(content.status, 200);
  assert.equal(content.body, html);
  assert.equal(content.headers['content-security-policy'], CONTENT_CSP, 'the sandbox is kept');
  assert.equal(content.headers['x-content-type-options'], 'nosniff');
});

test('a unit name with quotes, CR/LF and non-ASCII letters cannot split or extend Content-Disposition', async () => {
  const name = 'x"; filename="evil.exe\r\nSet-Cookie: cim_session=stolen\r\n ünï 文書 (1).txt';
  const upload = await secure(
    `${node.ready.ui}/api/units?name=${encodeURIComponent(name)}&wait=10000`,
    { method: 'POST', body: 'plain words', headers: { 'content-type': 'text/plain' } },
  );
  assert.equal(upload.status, 201, upload.body);
  const { unitCid } = JSON.parse(upload.body) as { unitCid: string };
  const content = await secure(`${node.ready.ui}/api/units/${unitCid}/content?download`);
  assert.equal(content.status, 200);
  assert.equal(content.headers['set-cookie'], undefined, 'no header was smuggled in');
  const disposition = String(content.headers['content-disposition']);
  assert.doesNotMatch(disposition, /[\r\n]/);
  assert.match(disposition, /^attachment; filename="[^"]*"; filename\*=UTF-8''[^\s"';]+$/);
  const extended = /filename\*=UTF-8''(.+)$/.exec(disposition)?.[1] ?? '';
  assert.equal(decodeURIComponent(extended), name, 'filename* carries the name exactly');
});

test('a path parameter that is not a CID is refused with 400, not looked up', async () => {
  for (const path of ['/api/units/..%2F..%2Fetc%2Fpasswd/content', '/api/content/..%2Fx']) {
    const method = path.startsWith('/api/content') ? 'HEAD' : 'GET';
    const answer = await secure(`${node.ready.ui}${path}`, { method });
    assert.equal(answer.status, 400, `${method} ${path}`);
  }
});

test('a JSON body over the limit is refused with 413 before any operation runs', async () => {
  const { app, base } = await bareServer({ bodyLimit: 2048 });
  try {
    const response = await fetch(`${base}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(4096) }),
    });
    assert.equal(response.status, 413);
    const problem = (await response.json()) as { code: string };
    assert.equal(problem.code, 'too_large');
  } finally {
    await app.close();
  }
});

test('a connection that stalls mid-request is closed after the idle time-out; the request time-out is set', async () => {
  const { app, port } = await bareServer({ idleTimeoutMs: 300, requestTimeoutMs: 45_000 });
  try {
    assert.equal(app.server.requestTimeout, 45_000);
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write('POST /api/events HTTP/1.1\r\n'),
      );
      socket.on('error', reject);
      socket.on('close', () => resolve(Date.now() - started));
      socket.resume();
      // Far beyond the 300 ms: only a server that never closes stalled connections reaches it.
      setTimeout(
        () => reject(new Error('the stalled connection was never closed')),
        20_000,
      ).unref();
    });
    assert.ok(closedAfter >= 250, `closed after ${closedAfter} ms, not before the time-out`);
  } finally {
    await app.close();
  }
});

test('the TLS key appears nowhere in the node’s log, at debug level', () => {
  assert.ok(node.stderr().length > 0, 'the node logged something');
  const key = readFileSync(certs.keyFile, 'utf8');
  const body = key.split('\n').filter((line) => line !== '' && !line.startsWith('-----'));
  assert.ok(body.length > 0);
  for (const line of body) assert.ok(!node.stderr().includes(line), 'a line of the key is logged');
});

test('a client command reaches the HTTPS node when told to trust the CA (NODE_EXTRA_CA_CERTS)', async () => {
  const trusted = await runCim(['components', '--json', '--url', node.ready.ui], {
    NODE_EXTRA_CA_CERTS: certs.caFile,
  });
  assert.equal(trusted.code, 0, trusted.stderr);
  assert.ok(Array.isArray((JSON.parse(trusted.stdout) as { components: unknown[] }).components));
  const untrusted = await runCim(['components', '--json', '--url', node.ready.ui]);
  assert.notEqual(untrusted.code, 0, 'without the CA the certificate is refused');
});
