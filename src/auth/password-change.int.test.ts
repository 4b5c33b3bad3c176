import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestNats } from '../testing/nats-harness.js';
import type { TestNats } from '../testing/nats-harness.js';
import { startNode } from '../runtime/node.js';
import type { RunningNode } from '../runtime/node.js';
import { COMPONENTS } from '../core/components.js';
import { resolveConfig } from '../core/config.js';
import { silentLogger } from '../runtime/logger.js';
import { runCim } from '../testing/cli.js';
import { createFirstAdmin, createToken } from '../testing/auth.js';
import type { RecordedEventJson } from '../api/schemas/index.js';

// Issue 18: a user changes their own password (the current one required) and an admin resets
// one; either way the user's web sessions end, and each change is a PasswordChanged event.

const FIRST = 'ada-first-password';
const SECOND = 'ada-second-password';
const RESET = 'ada-password-reset-by-admin';

let nats: TestNats;
let node: RunningNode;
let base: string;
let admin: string;
let home: string;

before(async () => {
  nats = await startTestNats();
  home = mkdtempSync(join(tmpdir(), 'cim-password-'));
  node = await startNode(
    resolveConfig({
      defaults: { dataDir: nats.dataDir, pipeline: { firstRun: 'none' } },
      env: {},
      flags: { http: { host: '127.0.0.1', port: 0 }, nats: { url: nats.url } },
    }),
    COMPONENTS,
    silentLogger(),
  );
  base = node.httpUrl!;
  admin = await createFirstAdmin(base);
  const created = await fetch(`${base}/api/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: admin },
    body: JSON.stringify({ username: 'ada', password: FIRST, role: 'writer' }),
  });
  assert.equal(created.status, 201, await created.text());
});

after(async () => {
  await node?.stop();
  await nats?.stop();
  rmSync(home, { recursive: true, force: true });
});

async function signIn(password: string): Promise<{ status: number; cookie: string | undefined }> {
  const response = await fetch(`${base}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'ada', password }),
  });
  await response.arrayBuffer();
  const cookie = /cim_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
  return { status: response.status, cookie };
}

async function withSession(cookie: string): Promise<number> {
  const response = await fetch(`${base}/api/units`, {
    headers: { cookie: `cim_session=${cookie}` },
  });
  await response.arrayBuffer();
  return response.status;
}

const cli = (args: string[], input: string) =>
  runCim([...args, '--url', base], { XDG_CONFIG_HOME: home }, input);

test('cim password changes your own password: the current one is required and your sessions end', async () => {
  const session = await signIn(FIRST);
  assert.equal(session.status, 200);
  assert.equal(await withSession(session.cookie!), 200);
  const login = await cli(['login', '--username', 'ada'], `${FIRST}\n`);
  assert.equal(login.code, 0, login.stderr);

  const wrong = await cli(['password'], `not-the-password\n${SECOND}\n`);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /current password is wrong/);
  assert.equal(await withSession(session.cookie!), 200, 'a refused change ends nothing');

  const changed = await cli(['password', '--json'], `${FIRST}\n${SECOND}\n`);
  assert.equal(changed.code, 0, changed.stderr);
  assert.deepEqual(JSON.parse(changed.stdout), { username: 'ada', sessionsEnded: 1 });
  assert.equal(await withSession(session.cookie!), 401, 'the web session ended');
  assert.equal((await signIn(FIRST)).status, 401);
  assert.equal((await signIn(SECOND)).status, 200);
});

test('cim admin password resets a user’s password; only a user may change their own', async () => {
  const reset = await runCim(['admin', 'password', 'ada', '--url', base], {}, `${RESET}\n`);
  assert.notEqual(reset.code, 0, 'without an admin’s token the reset is refused');
  const token = admin.slice('Bearer '.length);
  const done = await runCim(
    ['admin', 'password', 'ada', '--json', '--url', base],
    { CIM_TOKEN: token },
    `${RESET}\n`,
  );
  assert.equal(done.code, 0, done.stderr);
  assert.equal(JSON.parse(done.stdout).username, 'ada');
  assert.equal((await signIn(SECOND)).status, 401);
  assert.equal((await signIn(RESET)).status, 200);

  const service = await createToken(base, admin, 'writer', 'a-service');
  const refused = await fetch(`${base}/api/auth/password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: service },
    body: JSON.stringify({ currentPassword: RESET, newPassword: 'anything-long-enough' }),
  });
  assert.equal(refused.status, 403, await refused.text());

  const tail = await runCim(['events', 'tail', '--json', '--limit', '1000', '--url', base], {
    CIM_TOKEN: token,
  });
  assert.equal(tail.code, 0, tail.stderr);
  const changes = tail.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RecordedEventJson)
    .filter((e) => e.type === 'PasswordChanged')
    .map((e) => (e.data as { by: string }).by);
  assert.deepEqual(changes, ['self', 'admin']);
  assert.ok(!tail.stdout.includes(RESET) && !tail.stdout.includes(SECOND), 'no password in events');
});
