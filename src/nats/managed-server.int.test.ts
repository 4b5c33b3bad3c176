import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestNats } from '../testing/nats-harness.js';
import { freePort } from './free-port.js';
import { findNatsServer } from './server-binary.js';

interface Varz {
  jetstream: { config: { sync_always?: boolean; sync_interval: number } };
}

/**
 * What a server running the configuration CIM wrote for `sync` reports on /varz: the managed
 * server has no monitoring port, so after it stops the same binary starts on the same file, with
 * monitoring added on the command line.
 */
async function varzOfWrittenConfig(sync: string): Promise<{ text: string; varz: Varz }> {
  const nats = await startTestNats({ sync });
  const configFile = join(nats.dataDir, 'nats', 'nats-server.conf');
  const text = readFileSync(configFile, 'utf8');
  await nats.nc.close();
  await nats.server.stop();
  const monitor = await freePort();
  const child = spawn(findNatsServer().path, ['-c', configFile, '-m', String(monitor)], {
    stdio: 'ignore',
  });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(`http://127.0.0.1:${monitor}/varz`);
        return { text, varz: (await response.json()) as Varz };
      } catch (err) {
        if (attempt > 100) throw err;
        await sleep(100);
      }
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await nats.stop();
  }
}

test('the managed server fsyncs before acknowledging by default: its server reports sync_always', async () => {
  const { text, varz } = await varzOfWrittenConfig('always');
  assert.match(text, /^jetstream \{\n(.*\n)* {2}sync_interval: "always"\n/m);
  assert.equal(varz.jetstream.config.sync_always, true);
});

test('a duration as nats.sync is the interval the server reports, without sync_always', async () => {
  const { text, varz } = await varzOfWrittenConfig('2m');
  assert.match(text, / {2}sync_interval: "2m"\n/);
  assert.equal(varz.jetstream.config.sync_always, undefined);
  assert.equal(varz.jetstream.config.sync_interval, 120e9);
});
