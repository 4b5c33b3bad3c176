import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import { cimJson, waitForStatus } from '../testing/pipeline-node.js';

/** A processor that never returns nor yields on text holding SPIN: only ending its thread stops it. */
const SPIN_PLUGIN = `export default {
  name: 'spin',
  version: '1.0.0',
  cimApi: '^1.0.0',
  provides: {
    processors: {
      spin: {
        version: '1.0.0',
        description: 'spins forever on SPIN',
        async run(input) {
          const text = Buffer.from(await input.content()).toString('utf8');
          if (text.includes('SPIN')) for (;;) {}
          return { tags: ['spun'] };
        },
      },
    },
  },
};
`;

let root: string;
let node: CimUp;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'cim-pool-'));
  writeFileSync(join(root, 'spin.mjs'), SPIN_PLUGIN);
  const config = join(root, 'cim.json');
  writeFileSync(
    config,
    JSON.stringify({
      plugins: [join(root, 'spin.mjs')],
      pipeline: { processorTimeoutSeconds: 1, ackWaitSeconds: 10, workers: 1, inlineMaxBytes: 0 },
    }),
  );
  node = await startCimUp(['--data', join(root, 'node'), '--config', config]);
});

after(async () => {
  await node.stop();
  rmSync(root, { recursive: true, force: true });
});

test('a processor that never stops has its worker ended: the unit is dead-lettered, the others complete, the node keeps answering', async () => {
  const url = node.ready.ui;
  const file = join(root, 'spin.yaml');
  writeFileSync(
    file,
    'name: spin\ntrigger: { events: [UnitIngested], tags: [spin] }\nsteps:\n  - id: spin\n    processor: spin\nretry: { attempts: 2, backoffMs: 50, maxBackoffMs: 50 }\n',
  );
  await cimJson(url, 'pipeline', 'apply', file);
  const dir = join(root, 'in');
  mkdirSync(dir);
  writeFileSync(join(dir, 'bad.txt'), 'this one makes it SPIN');
  for (let i = 0; i < 4; i++) writeFileSync(join(dir, `ok-${i}.txt`), `calm text ${i}`);
  const ingested = await runCim(['ingest', dir, '--tag', 'spin', '--json', '--url', url]);
  assert.equal(ingested.code, 0, ingested.stderr);
  const bad = ingested.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { path: string; unitCid: string })
    .find((l) => l.path.endsWith('bad.txt'))!.unitCid;

  let answered = 0;
  const status = await waitForStatus(url, 'spin', (s) => {
    answered++;
    return s.deadLetters.length === 1 && s.counters.completed === 4;
  });
  assert.ok(answered > 1, 'the node answered status requests while the processor spun');
  assert.equal(status.deadLetters[0]!.unitCid, bad);
  assert.match(status.deadLetters[0]!.error, /spin@1\.0\.0.*did not stop within its timeout/);
  const health = await fetch(`${url}/api/health`);
  assert.equal(health.status, 200);
});
