import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { EVENTS_STREAM } from '../core/subjects.js';
import { connectNats } from '../nats/connect.js';
import { runCim, startCimUp } from '../testing/cli.js';
import { cimJson, waitForStatus } from '../testing/pipeline-node.js';
import type { CimUp } from '../testing/cli.js';
import { startTestCluster } from '../testing/nats-cluster.js';
import type { TestServers } from '../testing/nats-cluster.js';

const EXAMPLE = fileURLToPath(
  new URL('../../../examples/pipelines/documents.yaml', import.meta.url),
);
const root = mkdtempSync(join(tmpdir(), 'cim-node-cluster-'));
let cluster: TestServers | undefined;
let node: CimUp | undefined;
after(async () => {
  await node?.stop();
  await cluster?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** Index of the member holding the node's own connection (named `cim <components>`). */
async function memberOfNode(servers: TestServers): Promise<number> {
  for (const [i, s] of servers.manifest.servers.entries()) {
    const connz = (await (await fetch(`${s.monitorUrl}/connz`)).json()) as {
      connections?: { name?: string }[];
    };
    if (connz.connections?.some((c) => c.name?.startsWith('cim events'))) return i;
  }
  throw new Error('the node is connected to no member');
}

/** Names of the ingested (not derived) units the catalog lists. */
async function ingestedNames(url: string): Promise<string[]> {
  const ls = await runCim(['units', 'ls', '--json', '--limit', '100', '--url', url]);
  assert.equal(ls.code, 0, ls.stderr);
  const { units } = JSON.parse(ls.stdout) as {
    units: { name: string; producedBy: unknown }[];
  };
  return units
    .filter((u) => u.producedBy === null)
    .map((u) => u.name)
    .sort();
}

test(
  'cim up --nats on a cluster provisions R3 and keeps ingesting, cataloguing and running a pipeline after its member dies',
  // 110 s measured with a core kept busy on a machine at load ~25 (cim up alone took 49 s).
  { timeout: 360_000 },
  async (t) => {
    const started = Date.now();
    cluster = await startTestCluster();
    const clusterMs = Date.now() - started;
    node = await startCimUp(['--data', join(root, 'node'), '--nats', cluster.urls]);
    t.diagnostic(`the cluster started in ${clusterMs} ms, cim up was ready in ${node.readyMs} ms`);
    const url = node.ready.ui;
    const nc = await connectNats(cluster.urls);
    try {
      const info = await (await jetstreamManager(nc)).streams.info(EVENTS_STREAM);
      assert.equal(info.config.num_replicas, 3);
    } finally {
      await nc.close();
    }
    await cimJson(url, 'pipeline', 'apply', EXAMPLE);
    const ingest = async (name: string) => {
      const file = join(root, name);
      writeFileSync(file, `${name}: a note written while the cluster lost a member\n`);
      const result = await runCim(['ingest', file, '--json', '--url', url]);
      assert.equal(
        result.code,
        0,
        `${result.stderr} ${result.stdout}; the node said: ${node?.stderr().slice(-4000)}`,
      );
    };
    await ingest('before.txt');
    const failover = Date.now();
    const victim = await memberOfNode(cluster);
    await cluster.kill(victim);
    await ingest('during.txt');
    await cluster.restart(victim);
    await ingest('after.txt');
    // The catalog's consumer followed the stream through the failover.
    const wanted = ['after.txt', 'before.txt', 'during.txt'];
    let names: string[] = [];
    for (let tries = 0; tries < 100 && names.length < wanted.length; tries++) {
      names = await ingestedNames(url);
      if (names.length < wanted.length) await sleep(200);
    }
    assert.deepEqual(
      names,
      wanted,
      `the catalog lists ${names.join(', ')}; the node said: ${node.stderr()}`,
    );
    t.diagnostic(`kill, restart, ingests and the catalog took ${Date.now() - failover} ms`);
    // The pipeline's durable consumer also followed: each unit's text was extracted.
    const pipelineWait = Date.now();
    await waitForStatus(url, 'documents', (st) => st.counters.completed >= 3);
    t.diagnostic(`the pipeline completed 3 units ${Date.now() - pipelineWait} ms later`);
    const status = await runCim(['status', '--json', '--url', url]);
    assert.equal(status.code, 0, status.stderr);
  },
);
