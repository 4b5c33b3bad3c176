import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { runCim, startCimUp } from '../../testing/cli.js';
import type { CimUp } from '../../testing/cli.js';
import { cimJson, waitForStatus } from '../../testing/pipeline-node.js';
import { startTestCluster } from '../../testing/nats-cluster.js';
import type { TestServers } from '../../testing/nats-cluster.js';
import { connectNats } from '../../nats/connect.js';
import { EVENTS_STREAM } from '../../core/subjects.js';
import type { UnitPage } from '../../api/schemas/index.js';

const EXAMPLE = fileURLToPath(
  new URL('../../../../examples/pipelines/documents.yaml', import.meta.url),
);
const UNITS = 40;

let root: string;
let config: string;
let cluster: TestServers | undefined;
let node: CimUp | undefined;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function hashes(url: string): Promise<Map<string, string>> {
  const page = (await (await fetch(`${url}/api/units?limit=1000`)).json()) as UnitPage;
  const out = new Map<string, string>();
  for (const unit of page.units) {
    const response = await fetch(`${url}/api/units/${unit.unitCid}/content`);
    assert.equal(response.status, 200);
    out.set(unit.unitCid, sha256(new Uint8Array(await response.arrayBuffer())));
  }
  return out;
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'cim-backup-cluster-'));
  config = join(root, 'cim.json');
  writeFileSync(
    config,
    JSON.stringify({
      storage: { tiers: { backup: { kind: 'folder', path: join(root, 'backup') } } },
    }),
  );
});

after(async () => {
  await node?.stop();
  await cluster?.stop();
  rmSync(root, { recursive: true, force: true });
});

test(
  'a single node backed up is restored into a new 3-node cluster, R3, nothing recomputed',
  { timeout: 600_000 },
  async () => {
    node = await startCimUp(['--data', join(root, 'single'), '--config', config]);
    await cimJson(node.ready.ui, 'pipeline', 'apply', EXAMPLE);
    const notes = join(root, 'notes');
    mkdirSync(notes);
    for (let i = 0; i < UNITS; i++) {
      writeFileSync(join(notes, `n${i}.md`), `# Note ${i}\n\nAn agenda for meeting ${i}.\n`);
    }
    const ingested = await runCim(['ingest', notes, '--url', node.ready.ui]);
    assert.equal(ingested.code, 0, ingested.stderr);
    await waitForStatus(node.ready.ui, 'documents', (s) => s.counters.completed >= UNITS, 300_000);
    const original = await hashes(node.ready.ui);
    const backup = await runCim(['backup', '--to', 'backup', '--url', node.ready.ui]);
    assert.equal(backup.code, 0, backup.stderr);
    await node.stop();
    node = undefined;

    cluster = await startTestCluster();
    const data = join(root, 'clustered');
    const restored = await runCim([
      'restore',
      '--from',
      'backup',
      '--data',
      data,
      '--nats',
      cluster.urls,
      '--config',
      config,
    ]);
    assert.equal(restored.code, 0, restored.stderr);

    // The cluster now holds CIM's streams: a second restore into it is refused, writing nothing.
    const other = join(root, 'other');
    const again = await runCim([
      'restore',
      '--from',
      'backup',
      '--data',
      other,
      '--nats',
      cluster.urls,
      '--config',
      config,
    ]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /already holds CIM_EVENTS/);
    assert.deepEqual(readdirSync(other), []);

    const nc = await connectNats(cluster.urls);
    try {
      const info = await (await jetstreamManager(nc)).streams.info(EVENTS_STREAM);
      assert.equal(info.config.num_replicas, 3, 'the events are replicated on every member');
    } finally {
      await nc.close();
    }

    node = await startCimUp(['--nats', cluster.urls, '--data', data, '--config', config]);
    assert.deepEqual(await hashes(node.ready.ui), original, 'every unit reads back byte-exact');
    const verified = await runCim(['events', 'verify', '--url', node.ready.ui]);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    const backfill = await cimJson<{ computedSteps: number; units: number }>(
      node.ready.ui,
      'pipeline',
      'run',
      'documents',
      '--backfill',
    );
    assert.equal(backfill.computedSteps, 0, 'a backfill on the cluster computes nothing');
    assert.equal(backfill.units, UNITS);
  },
);
