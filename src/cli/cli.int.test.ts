import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import { freePort } from '../nats/free-port.js';

let root: string;
let node: CimUp;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'cim-cli-'));
  node = await startCimUp(['--data', join(root, 'node')]);
});

after(async () => {
  await node.stop();
  rmSync(root, { recursive: true, force: true });
});

/** Asserts one clear sentence on stderr, no stack trace, and the exit code. */
function assertRefused(
  result: { code: number | null; stderr: string; stdout: string },
  code: number,
  pattern: RegExp,
): void {
  assert.equal(result.code, code, result.stderr);
  assert.equal(result.stdout, '');
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got: ${result.stderr}`);
  assert.match(lines[0]!, /^cim: .+[.:!]/);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}

test('cim status --json reports a healthy node', async () => {
  const result = await runCim(['status', '--json', '--url', node.ready.ui]);
  assert.equal(result.code, 0, result.stderr);
  const health = JSON.parse(result.stdout) as { status: string };
  assert.equal(health.status, 'ok');
});

test('a malformed or invalid config file is refused and nothing is written', async () => {
  const data = join(root, 'never-1');
  const file = join(root, 'broken.json');
  writeFileSync(file, '{ "http": ');
  assertRefused(await runCim(['up', '--data', data, '--config', file]), 2, /not valid JSON/);
  writeFileSync(file, JSON.stringify({ http: { port: 'eighty' } }));
  assertRefused(await runCim(['up', '--data', data, '--config', file]), 2, /http\.port/);
  assertRefused(
    await runCim(['up', '--data', data, '--config', join(root, 'missing.json')]),
    2,
    /cannot be read/,
  );
  assert.equal(existsSync(data), false);
});

test('unknown flags and commands are usage errors', async () => {
  assertRefused(await runCim(['up', '--bogus']), 2, /unknown option '--bogus'/i);
  assertRefused(await runCim(['frobnicate']), 2, /unknown command/i);
  assertRefused(await runCim(['serve', '--component', 'nope']), 2, /nope/);
});

test('an unreachable --nats is a clear error and writes nothing', async () => {
  const data = join(root, 'never-2');
  const port = await freePort();
  assertRefused(
    await runCim([
      'up',
      '--data',
      data,
      '--http',
      '127.0.0.1:0',
      '--nats',
      `nats://127.0.0.1:${port}`,
    ]),
    1,
    /Cannot reach NATS/,
  );
  assert.equal(existsSync(data), false);
});

test('a taken HTTP port is a clear error and starts nothing', async () => {
  const data = join(root, 'never-3');
  const blocker: Server = createServer();
  const port = await new Promise<number>((resolve) =>
    blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
  );
  try {
    assertRefused(
      await runCim(['up', '--data', data, '--http', `127.0.0.1:${port}`]),
      1,
      /already in use/,
    );
    assert.equal(existsSync(data), false);
  } finally {
    blocker.close();
  }
});

test('an invalid subject token and an oversize event are refused and nothing is written', async () => {
  const url = node.ready.ui;
  const common = [
    'events',
    'append',
    '--url',
    url,
    '--domain',
    'notes',
    '--aggregate',
    'Note',
    '--type',
    'NoteWritten',
  ];
  assertRefused(await runCim([...common, '--id', 'has space']), 2, /aggregate id "has space"/);
  const big = join(root, 'big.json');
  writeFileSync(big, JSON.stringify({ text: 'x'.repeat(1_100_000) }));
  assertRefused(await runCim([...common, '--id', 'big', '--data', `@${big}`]), 1, /over the limit/);
  const tail = await runCim(['events', 'tail', '--json', '--url', url]);
  assert.equal(tail.code, 0, tail.stderr);
  assert.doesNotMatch(tail.stdout, /"aggregateId":"big"/);
});

test('events append, tail --json and verify --json work end to end', async () => {
  const url = node.ready.ui;
  const appended = await runCim([
    'events',
    'append',
    '--json',
    '--url',
    url,
    '--domain',
    'notes',
    '--aggregate',
    'Note',
    '--id',
    'cli-1',
    '--type',
    'NoteWritten',
    '--data',
    '{"title":"hello"}',
    '--expected-version',
    '0',
  ]);
  assert.equal(appended.code, 0, appended.stderr);
  assert.equal((JSON.parse(appended.stdout) as { version: number }).version, 1);
  const tail = await runCim(['events', 'tail', '--json', '--url', url]);
  const lines = tail.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { aggregateId: string; data: unknown });
  assert.deepEqual(lines.find((e) => e.aggregateId === 'cli-1')?.data, { title: 'hello' });
  const verify = await runCim(['events', 'verify', '--json', '--url', url]);
  assert.equal(verify.code, 0, verify.stderr);
  assert.equal((JSON.parse(verify.stdout) as { ok: boolean }).ok, true);
  const direct = await runCim(['events', 'verify', '--json', '--nats', node.ready.nats]);
  assert.equal(direct.code, 0, direct.stderr);
});
