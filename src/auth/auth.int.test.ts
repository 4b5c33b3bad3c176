import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestNats } from '../testing/nats-harness.js';
import type { TestNats } from '../testing/nats-harness.js';
import { startNode } from '../runtime/node.js';
import type { RunningNode } from '../runtime/node.js';
import { COMPONENTS } from '../core/components.js';
import type { ComponentName } from '../core/components.js';
import { resolveConfig } from '../core/config.js';
import type { ConfigLayer } from '../core/config.js';
import { silentLogger } from '../runtime/logger.js';
import { runCim } from '../testing/cli.js';
import { createToken, TEST_PASSWORD } from '../testing/auth.js';
import { credentialsFile } from '../cli/credentials.js';

let nats: TestNats;
let home: string;
const running: RunningNode[] = [];
/** Lock time of these nodes' sign-in limits: short, so the test waits a lock out. */
const LOCK_SECONDS = 2;

function configFor(flags: ConfigLayer) {
  return resolveConfig({
    // Bare nodes: the built-in first-run pipeline would add its own events and units.
    defaults: { dataDir: nats.dataDir, pipeline: { firstRun: 'none' } },
    env: {},
    flags: {
      nats: { url: nats.url },
      auth: { maxFailedSignIns: 10, lockSeconds: LOCK_SECONDS },
      ...flags,
    },
  });
}

async function start(
  flags: ConfigLayer,
  components: readonly ComponentName[] = COMPONENTS,
): Promise<RunningNode> {
  const node = await startNode(configFor(flags), components, silentLogger());
  running.push(node);
  return node;
}

before(async () => {
  nats = await startTestNats();
  home = mkdtempSync(join(tmpdir(), 'cim-auth-'));
});

after(async () => {
  for (const node of running.reverse()) await node.stop();
  await nats?.stop();
  rmSync(home, { recursive: true, force: true });
});

test('beyond loopback a node without users is refused with how to set up sign-in; a credentials file makes the first admin', async () => {
  await assert.rejects(start({ http: { host: '0.0.0.0', port: 0 } }), (err: Error) => {
    assert.match(err.message, /needs sign-in/);
    assert.match(err.message, /cim admin create/);
    assert.match(err.message, /auth\.adminCredentialsFile/);
    return true;
  });
  const file = join(home, 'admin-credentials');
  writeFileSync(file, `root:${TEST_PASSWORD}\n`, { mode: 0o600 });
  const node = await start({
    http: { host: '0.0.0.0', port: 0 },
    auth: { adminCredentialsFile: file, maxFailedSignIns: 10, lockSeconds: LOCK_SECONDS },
  });
  assert.equal(node.localMode(), false);
  const base = node.httpUrl!.replace('0.0.0.0', '127.0.0.1');
  const anonymous = await fetch(`${base}/api/units`);
  assert.equal(anonymous.status, 401);
  const me = (await (await fetch(`${base}/api/auth/me`)).json()) as { signInRequired: boolean };
  assert.equal(me.signInRequired, true);
});

async function signIn(base: string, password: string) {
  return fetch(`${base}/api/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'root', password }),
  });
}

test('cim login stores a token (0600) that every client command sends; cim token create, ls and revoke', async () => {
  const node = await start({ http: { host: '127.0.0.1', port: 0 } });
  const env = { CIM_URL: node.httpUrl!, XDG_CONFIG_HOME: join(home, 'config') };
  const refused = await runCim(['units', 'ls'], env);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /needs sign-in/);

  const login = await runCim(['login', '--username', 'root'], env, `${TEST_PASSWORD}\n`);
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stdout, /as user:root \(admin\)/);
  const file = credentialsFile(env);
  assert.equal(statSync(file).mode & 0o777, 0o600);

  assert.equal((await runCim(['units', 'ls'], env)).code, 0);
  const created = await runCim(
    ['token', 'create', '--role', 'reader', '--name', 'ci', '--json'],
    env,
  );
  assert.equal(created.code, 0, created.stderr);
  const made = JSON.parse(created.stdout) as { token: string; info: { name: string } };
  assert.equal(made.info.name, 'ci');
  const listed = JSON.parse((await runCim(['token', 'ls', '--json'], env)).stdout) as {
    tokens: { name: string; role: string }[];
  };
  assert.ok(listed.tokens.some((t) => t.name === 'ci' && t.role === 'reader'));
  assert.ok(!JSON.stringify(listed).includes(made.token), 'a listing never shows a token');

  const asCi = { ...env, CIM_TOKEN: made.token };
  assert.equal((await runCim(['units', 'ls'], asCi)).code, 0);
  const forbidden = await runCim(['token', 'ls'], asCi);
  assert.notEqual(forbidden.code, 0);
  assert.match(forbidden.stderr, /needs admin/);
  assert.equal((await runCim(['token', 'revoke', 'ci'], env)).code, 0);
  assert.notEqual((await runCim(['units', 'ls'], asCi)).code, 0);
});

test('a revoked token is refused within 5 s by every ui process', async () => {
  const first = running[running.length - 1]!;
  const second = await start({ http: { host: '127.0.0.1', port: 0 } }, ['ui']);
  const made = await signIn(first.httpUrl!, TEST_PASSWORD);
  assert.equal(made.status, 201);
  const admin = `Bearer ${((await made.json()) as { token: string }).token}`;
  const token = await createToken(first.httpUrl!, admin, 'reader', 'short-lived');
  const status = async (base: string) =>
    (await fetch(`${base}/api/components`, { headers: { authorization: token } })).status;
  // The second process learns of the new token through its watch of the token bucket.
  for (const deadline = Date.now() + 5000; (await status(second.httpUrl!)) !== 200;) {
    assert.ok(Date.now() < deadline, 'the second ui never accepted the new token');
    await sleep(50);
  }
  assert.equal(await status(first.httpUrl!), 200);
  const revoked = await fetch(`${first.httpUrl}/api/tokens/short-lived/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: admin },
    body: '{}',
  });
  assert.equal(revoked.status, 200);
  const startedAt = Date.now();
  for (const base of [first.httpUrl!, second.httpUrl!]) {
    while ((await status(base)) !== 401) {
      assert.ok(Date.now() - startedAt < 5000, `${base} still accepts the revoked token after 5 s`);
      await sleep(50);
    }
  }
});

test('20 wrong passwords in a row lock the account for a while; the right password works after', async () => {
  const base = running[0]!.httpUrl!.replace('0.0.0.0', '127.0.0.1');
  const statuses: number[] = [];
  for (let i = 0; i < 20; i += 1) statuses.push((await signIn(base, `wrong-${i}-password`)).status);
  assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
  assert.deepEqual(
    statuses.slice(10),
    Array(10).fill(429),
    'attempts after ten failures are refused',
  );
  const limited = await signIn(base, TEST_PASSWORD);
  assert.equal(limited.status, 429, 'during the lock even the right password waits');
  const problem = (await limited.json()) as { code: string; retryAfterSeconds: number };
  assert.equal(problem.code, 'rate_limited');
  assert.ok(problem.retryAfterSeconds <= LOCK_SECONDS);
  await sleep(LOCK_SECONDS * 1000 + 200);
  assert.equal((await signIn(base, TEST_PASSWORD)).status, 201);

  const events = (await (
    await fetch(`${base}/api/events?tail=true&limit=100&domain=auth`, {
      headers: {
        authorization: `Bearer ${((await (await signIn(base, TEST_PASSWORD)).json()) as { token: string }).token}`,
      },
    })
  ).json()) as { events: { type: string; actor: string; data: Record<string, unknown> }[] };
  const failed = events.events.filter((e) => e.type === 'SignInFailed');
  assert.ok(failed.some((e) => e.data['reason'] === 'wrong_password'));
  assert.ok(failed.some((e) => e.data['reason'] === 'rate_limited'));
  for (const e of events.events) {
    const text = JSON.stringify(e);
    assert.ok(!text.includes(TEST_PASSWORD), `${e.type} holds the password`);
    assert.ok(!/scrypt\$|cim_[A-Za-z0-9_-]{20}/.test(text), `${e.type} holds a hash or a token`);
  }
});
