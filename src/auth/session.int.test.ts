import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNats } from '../testing/nats-harness.js';
import type { TestNats } from '../testing/nats-harness.js';
import { startNode } from '../runtime/node.js';
import type { RunningNode } from '../runtime/node.js';
import { COMPONENTS } from '../core/components.js';
import { resolveConfig } from '../core/config.js';
import { silentLogger } from '../runtime/logger.js';
import { newId } from '../core/ids.js';
import { createFirstAdmin, TEST_PASSWORD } from '../testing/auth.js';

let nats: TestNats;
let node: RunningNode;
let base: string;
let admin: string;

before(async () => {
  nats = await startTestNats();
  node = await startNode(
    resolveConfig({
      // Bare nodes: the built-in first-run pipeline would add its own events and units.
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
    body: JSON.stringify({ username: 'ada', password: TEST_PASSWORD, role: 'writer' }),
  });
  assert.equal(created.status, 201);
});

after(async () => {
  await node?.stop();
  await nats?.stop();
});

/** Signs ada in; the Cookie header to send back, the CSRF token, and the raw Set-Cookie lines. */
async function signIn() {
  const response = await fetch(`${base}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'ada', password: TEST_PASSWORD }),
  });
  assert.equal(response.status, 200);
  const setCookies = response.headers.getSetCookie();
  const cookie = setCookies.map((c) => c.split(';')[0]).join('; ');
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return { cookie, csrfToken, setCookies };
}

function append(headers: Record<string, string>) {
  return fetch(`${base}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      domain: 'test',
      aggregate: 'Thing',
      aggregateId: newId(),
      expectedVersion: 0,
      events: [{ type: 'ThingHappened', data: { n: 1 } }],
    }),
  });
}

test('sign-in sets an HttpOnly SameSite=Lax session cookie and a readable CSRF cookie', async () => {
  const { setCookies, cookie } = await signIn();
  const session = setCookies.find((c) => c.startsWith('cim_session='));
  const csrf = setCookies.find((c) => c.startsWith('cim_csrf='));
  assert.ok(session && csrf);
  assert.match(session, /HttpOnly/i);
  assert.match(session, /SameSite=Lax/i);
  assert.match(session, /Path=\//);
  assert.doesNotMatch(session, /Secure/i, 'no Secure flag without TLS');
  assert.doesNotMatch(csrf, /HttpOnly/i);
  const me = (await (await fetch(`${base}/api/auth/me`, { headers: { cookie } })).json()) as {
    principal: { name: string } | null;
  };
  assert.equal(me.principal?.name, 'user:ada');
  assert.equal((await fetch(`${base}/api/units`, { headers: { cookie } })).status, 200);
});

test('a cookie-authenticated change needs the X-CSRF-Token header; with it, the event records the user', async () => {
  const { cookie, csrfToken } = await signIn();
  // What another site can make a browser send: the cookie, without the token it cannot read.
  const forged = await append({ cookie, origin: 'http://evil.example' });
  assert.equal(forged.status, 401);
  assert.match(((await forged.json()) as { detail: string }).detail, /X-CSRF-Token/);
  assert.equal((await append({ cookie, 'x-csrf-token': 'guessed' })).status, 401);
  const ok = await append({ cookie, 'x-csrf-token': csrfToken });
  assert.equal(ok.status, 201);
  const reply = (await ok.json()) as { events: { actor: string }[] };
  assert.equal(reply.events[0]!.actor, 'user:ada');
});

test('sign-out ends the session; an admin can list and revoke sessions', async () => {
  const first = await signIn();
  const out = await fetch(`${base}/api/auth/sign-out`, {
    method: 'POST',
    headers: { cookie: first.cookie },
  });
  assert.equal(out.status, 200);
  assert.ok(out.headers.getSetCookie().some((c) => /^cim_session=;/.test(c)));
  assert.equal(
    (await fetch(`${base}/api/units`, { headers: { cookie: first.cookie } })).status,
    401,
  );

  const second = await signIn();
  const { sessions } = (await (
    await fetch(`${base}/api/auth/sessions`, { headers: { authorization: admin } })
  ).json()) as { sessions: { id: string; username: string }[] };
  assert.ok(sessions.length >= 1);
  assert.ok(!JSON.stringify(sessions).includes(second.csrfToken));
  for (const s of sessions.filter((s) => s.username === 'ada')) {
    const revoked = await fetch(`${base}/api/auth/sessions/${s.id}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: admin },
      body: '{}',
    });
    assert.equal(revoked.status, 200);
  }
  assert.equal(
    (await fetch(`${base}/api/units`, { headers: { cookie: second.cookie } })).status,
    401,
  );
  const events = (await (
    await fetch(`${base}/api/events?tail=true&limit=50&domain=auth`, {
      headers: { authorization: admin },
    })
  ).json()) as { events: { type: string; actor: string }[] };
  assert.ok(events.events.some((e) => e.type === 'SignedOut' && e.actor === 'user:ada'));
  assert.ok(events.events.some((e) => e.type === 'SessionRevoked' && e.actor === 'user:admin'));
});
