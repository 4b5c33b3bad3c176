import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { startTestNats } from '../testing/nats-harness.js';
import type { TestNats } from '../testing/nats-harness.js';
import { CIM_BIN, runCim } from '../testing/cli.js';
import { newId } from '../core/ids.js';

let nats: TestNats;
const children: ChildProcess[] = [];

/** Starts `cim serve --component NAME --json` and resolves with its ready document. */
function serve(component: string): Promise<{ ui: string | null }> {
  const child = spawn(
    process.execPath,
    [
      CIM_BIN,
      'serve',
      '--component',
      component,
      '--json',
      '--nats',
      nats.url,
      '--http',
      '127.0.0.1:0',
      '--data',
      nats.dataDir,
    ],
    {
      env: { ...process.env, CIM_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as { ui: string | null });
    });
    child.once('exit', (code) =>
      reject(new Error(`cim serve ${component} exited ${code}: ${err}`)),
    );
  });
}

before(async () => {
  nats = await startTestNats();
});

after(async () => {
  await Promise.all(
    children.map(
      (c) =>
        new Promise((resolve) =>
          c.exitCode !== null ? resolve(null) : (c.once('exit', resolve), c.kill('SIGTERM')),
        ),
    ),
  );
  await nats.stop();
});

test('components in separate processes: the ui process serves HTTP and reaches the events component over NATS', async () => {
  const ui = await serve('ui');
  assert.ok(ui.ui);
  // Without the registry component anywhere, status still reports the node's own health.
  const status = await runCim(['status', '--json', '--url', ui.ui]);
  assert.equal(status.code, 0, status.stderr);
  const health = JSON.parse(status.stdout) as { status: string; registered: unknown };
  assert.deepEqual([health.status, health.registered], ['ok', null]);
  const down = await fetch(`${ui.ui}/api/events?limit=1`);
  assert.equal(down.status, 503, 'without the events component the API says it is unavailable');
  assert.equal(((await down.json()) as { code: string }).code, 'unavailable');

  const events = await serve('events');
  assert.equal(events.ui, null, 'the events component serves no HTTP');
  const aggregateId = newId();
  const created = await fetch(`${ui.ui}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      domain: 'split',
      aggregate: 'Thing',
      aggregateId,
      expectedVersion: 0,
      events: [{ type: 'ThingMade', data: {} }],
    }),
  });
  assert.equal(created.status, 201);
  const conflict = await fetch(`${ui.ui}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      domain: 'split',
      aggregate: 'Thing',
      aggregateId,
      expectedVersion: 0,
      events: [{ type: 'ThingMade', data: {} }],
    }),
  });
  assert.equal(conflict.status, 409);
  assert.equal(((await conflict.json()) as { actualVersion: number }).actualVersion, 1);
  const page = (await (await fetch(`${ui.ui}/api/events?aggregateId=${aggregateId}`)).json()) as {
    events: unknown[];
  };
  assert.equal(page.events.length, 1);

  // With no units component anywhere, an upload is still stored and answered: the wait for a
  // catalog to list it ends at once instead of failing the upload.
  const stored = await fetch(`${ui.ui}/api/units?name=early.txt`, {
    method: 'POST',
    body: 'early\n',
  });
  assert.equal(stored.status, 201, await stored.clone().text());
  assert.match(((await stored.json()) as { unitCid: string }).unitCid, /^bafyrei/);

  // The ui component alone serves the web app and follows the stream live over its own connection.
  const app = await fetch(`${ui.ui}/units`);
  assert.equal(app.status, 200);
  assert.match(await app.text(), /<div id="root">/);
  const live = await fetch(`${ui.ui}/api/events/stream?aggregateId=${aggregateId}`);
  assert.equal(live.status, 200);
  const reader = live.body!.getReader();
  let received = '';
  while (!received.includes('"type":"ThingMade"')) {
    const { value, done } = await reader.read();
    assert.ok(!done, 'the stream stays open');
    received += new TextDecoder().decode(value);
  }
  await reader.cancel();
});

test('the ui process alone takes uploads and serves content, with the units component in another process', async () => {
  const ui = await serve('ui');
  await serve('units');
  const body = `notes written through a lone ui process ${newId()}\n`;
  const uploaded = await fetch(`${ui.ui}/api/units?name=lone.txt&tag=split`, {
    method: 'POST',
    body,
  });
  assert.equal(uploaded.status, 201, await uploaded.clone().text());
  const unit = (await uploaded.json()) as { unitCid: string; contentCid: string };
  // The upload waited for the other process's catalog: the unit is listed and found at once.
  const shown = await fetch(`${ui.ui}/api/units/${unit.unitCid}`);
  assert.equal(shown.status, 200);
  const content = await fetch(`${ui.ui}/api/units/${unit.unitCid}/content`);
  assert.equal(content.status, 200);
  assert.equal(await content.text(), body);
  assert.equal(content.headers.get('content-type'), 'text/plain');
  assert.equal(
    (await fetch(`${ui.ui}/api/content/${unit.contentCid}`, { method: 'HEAD' })).status,
    200,
  );
  const unknown = await fetch(
    `${ui.ui}/api/units/bafyreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/content`,
  );
  assert.equal(unknown.status, 404);
});
