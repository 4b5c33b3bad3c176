import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Svcm } from '@nats-io/services';
import { connectNats } from '../nats/connect.js';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import type { RegisteredComponent } from './component-record.js';

const SERVICE = fileURLToPath(
  new URL('../../../src/testing/fixtures/heartbeat-service.mjs', import.meta.url),
);
/** The killed service's ttl: short, so its disappearance is seen quickly. */
const TTL_SECONDS = 2;
/**
 * The node's own ttl is the default's order of magnitude: with 2 s, a node whose event loop was
 * held for 2 s on a busy machine dropped out of the list it was asked for (seen once in CI).
 */
const NODE_TTL_SECONDS = 10;

let root: string;
let node: CimUp;
const children: ChildProcess[] = [];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'cim-components-'));
  const config = join(root, 'cim.json');
  writeFileSync(
    config,
    JSON.stringify({ registry: { heartbeatSeconds: 1, ttlSeconds: NODE_TTL_SECONDS } }),
  );
  node = await startCimUp(['--data', join(root, 'node'), '--config', config]);
});

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await node.stop();
  rmSync(root, { recursive: true, force: true });
});

async function listed(args: string[] = []): Promise<RegisteredComponent[]> {
  const result = await runCim(['components', '--json', '--url', node.ready.ui, ...args]);
  assert.equal(result.code, 0, result.stderr);
  return (JSON.parse(result.stdout) as { components: RegisteredComponent[] }).components;
}

test('cim components lists every component of the node, with its endpoints', async () => {
  const components = await listed();
  assert.deepEqual(
    components.map((c) => c.name),
    ['events', 'pipeline', 'registry', 'ui', 'units'],
  );
  const units = components.find((c) => c.name === 'units')!;
  assert.equal(units.pid, node.ready.pid);
  assert.ok(units.endpoints.includes('cim.api.units.search'));
  assert.deepEqual(
    (await listed(['--capability', 'component:units'])).map((c) => c.name),
    ['units'],
  );
  const status = await runCim(['status', '--json', '--url', node.ready.ui]);
  assert.equal(status.code, 0, status.stderr);
  const registered = (JSON.parse(status.stdout) as { registered: RegisteredComponent[] })
    .registered;
  assert.ok(registered.some((c) => c.name === 'pipeline' && c.pid === node.ready.pid));
  const human = await runCim(['components', '--url', node.ready.ui]);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^units\s+component\s+/m);
});

test('each component answers NATS service discovery ($SRV) with its endpoints', async () => {
  const nc = await connectNats(node.ready.nats);
  try {
    const client = new Svcm(nc as ConstructorParameters<typeof Svcm>[0]).client();
    const infos: { name: string; endpoints: { subject: string }[] }[] = [];
    for await (const info of await client.info()) infos.push(info);
    const units = infos.find((i) => i.name === 'cim-units');
    assert.ok(units, `cim-units among ${infos.map((i) => i.name).join(', ')}`);
    assert.ok(units.endpoints.some((e) => e.subject === 'cim.api.units.list'));
    assert.ok(infos.some((i) => i.name === 'cim-registry'));
  } finally {
    await nc.close();
  }
});

test('a service that stops heartbeating (kill -9) disappears from cim components within its ttl', async () => {
  const child = spawn(
    process.execPath,
    [SERVICE, node.ready.nats, 'word-count', String(TTL_SECONDS), '0.5'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(child);
  const id = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`the service exited with ${code}`)));
  });
  const found = await listed(['--capability', 'processor:word-count']);
  assert.deepEqual(
    found.map((c) => [c.id, c.kind]),
    [[id, 'plugin-service']],
  );
  // Alive past its ttl while it beats.
  await new Promise((resolve) => setTimeout(resolve, TTL_SECONDS * 1000 + 500));
  assert.equal((await listed(['--capability', 'processor:word-count'])).length, 1);

  child.kill('SIGKILL');
  const killedAt = Date.now();
  for (;;) {
    const still = await listed(['--capability', 'processor:word-count']);
    if (still.length === 0) break;
    assert.ok(
      Date.now() - killedAt < TTL_SECONDS * 1000 + 1500,
      'gone within the ttl (plus one poll)',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.ok(
    (await listed()).some((c) => c.name === 'units'),
    'the node itself stays listed',
  );
});
