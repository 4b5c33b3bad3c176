import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import { startTestBrowser } from '../testing/browser.js';
import type { TestBrowser } from '../testing/browser.js';
import { createFirstAdmin, TEST_PASSWORD } from '../testing/auth.js';

let root: string;
let node: CimUp;
let url: string;
let browser: TestBrowser;
let evil: Server;
let evilUrl: string;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'cim-sign-in-'));
  node = await startCimUp(['--data', join(root, 'node')]);
  url = node.ready.ui;
  const admin = await createFirstAdmin(url);
  const created = await fetch(`${url}/api/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: admin },
    body: JSON.stringify({ username: 'ada', password: TEST_PASSWORD, role: 'writer' }),
  });
  assert.equal(created.status, 201);
  // Another origin (another port is another origin) whose page posts to the node.
  evil = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><form id="f" method="POST" action="${url}/api/events" enctype="text/plain">
<input name='{"domain":"test","aggregate":"Thing","aggregateId":"forged","expectedVersion":"any","events":[{"type":"Forged","data":1}],"x":"' value='"}'></form>
<script>fetch(${JSON.stringify(`${url}/api/events`)}, {method: 'POST', credentials: 'include', mode: 'no-cors', headers: {'content-type': 'text/plain'}, body: '{}'}).finally(() => document.getElementById('f').submit());</script>`);
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  const address = evil.address();
  evilUrl = `http://localhost:${typeof address === 'object' && address ? address.port : 0}/`;
  browser = await startTestBrowser();
});

after(async () => {
  await browser?.close();
  evil?.close();
  await node?.stop();
  rmSync(root, { recursive: true, force: true });
});

test('in Chromium: sign in, upload, sign out, and the upload page then asks for sign-in; another origin cannot write with the session', async () => {
  const page = await browser.page();
  await page.goto(`${url}/units`);
  // Not signed in: the app goes to the sign-in page, to come back to the units after.
  await page.waitForURL(/\/sign-in\?next=%2Funits/);
  await page.getByLabel('Username').fill('ada');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  assert.match((await page.getByRole('alert').textContent()) ?? '', /wrong/);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${url}/units`);

  writeFileSync(join(root, 'signed.txt'), 'uploaded by a signed-in user\n');
  await page.getByTestId('upload-input').setInputFiles(join(root, 'signed.txt'));
  await page.getByText('1 of 1 files done').waitFor();
  assert.equal(await page.locator('.upload-item.stored').count(), 1);

  // The cross-origin page runs in the same browser, with ada's session cookie in its jar.
  const attacker = await page.context().newPage();
  await attacker.goto(evilUrl);
  await attacker.waitForURL(`${url}/api/events`);
  const answer = (await attacker.textContent('body')) ?? '';
  assert.match(answer, /unauthenticated|X-CSRF-Token/);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/sign-in/);
  await page.goto(`${url}/units`);
  await page.waitForURL(/\/sign-in\?next=%2Funits/);
  await page.getByLabel('Password').waitFor();

  const events = (await (
    await fetch(`${url}/api/events?tail=true&limit=100`, {
      headers: { authorization: await createTokenFor() },
    })
  ).json()) as { events: { type: string; actor: string; data: { unit?: { name: string } } }[] };
  assert.ok(!events.events.some((e) => e.type === 'Forged'), 'the forged event was not written');
  const upload = events.events.find((e) => e.data.unit?.name === 'signed.txt');
  assert.equal(upload?.actor, 'user:ada');
  assert.ok(events.events.some((e) => e.type === 'SignedOut' && e.actor === 'user:ada'));
});

async function createTokenFor(): Promise<string> {
  const made = await fetch(`${url}/api/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: TEST_PASSWORD }),
  });
  return `Bearer ${((await made.json()) as { token: string }).token}`;
}
