import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SearchHit } from '../knowledge/catalog.js';
import { freePort } from '../nats/free-port.js';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import { startTestCluster } from '../testing/nats-cluster.js';
import type { TestServers } from '../testing/nats-cluster.js';
import { cimJson, waitForStatus } from '../testing/pipeline-node.js';
import { startTcpProxy } from '../testing/tcp-proxy.js';
import type { TcpProxy } from '../testing/tcp-proxy.js';
import type { LeafStatus } from './leaf-status.js';
import type { LeafVerifyReport } from './leaf-verify.js';

const EXAMPLE = fileURLToPath(
  new URL('../../../examples/pipelines/documents.yaml', import.meta.url),
);
const DOMAIN = 'edge';
const root = mkdtempSync(join(tmpdir(), 'cim-leaf-offline-'));
const leafDir = join(root, 'leaf');
let proxies: TcpProxy[] = [];
let hub: TestServers | undefined;
let node: CimUp | undefined;
let leafUrl = '';
let monitorUrl = '';

/** `cim ARGS…` (no node URL), which must succeed; its parsed `--json` output. */
async function cli<T>(...args: string[]): Promise<T> {
  const result = await runCim([...args, '--json']);
  assert.equal(result.code, 0, `cim ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

before(async () => {
  proxies = await Promise.all([0, 1, 2].map(() => startTcpProxy('http://127.0.0.1:1')));
  hub = await startTestCluster({ hub: true, leafProxies: proxies, name: `hub-${process.pid}` });
  const hubLeafUrls = proxies.map((p) => `nats-leaf://${p.hostPort}`).join(',');
  const [port, monitorPort] = [await freePort(), await freePort()];
  const init = ['leaf', 'init', '--domain', DOMAIN, '--hub', hubLeafUrls, '--dir', leafDir];
  const refused = await runCim([...init, '--port', String(port)], {
    CIM_NATS_SERVER: '/usr/sbin/nats-server',
  });
  assert.equal(refused.code, 1, 'the system nats-server 2.9 is refused for a leaf');
  assert.match(refused.stderr, /2\.9\.\d+, older than the 2\.10\.23 CIM needs/);
  const written = await cli<{ leaf: { monitorUrl: string } }>(
    ...init,
    '--port',
    String(port),
    '--monitor-port',
    String(monitorPort),
  );
  monitorUrl = written.leaf.monitorUrl;
  leafUrl = (await cli<{ nats: string }>('leaf', 'up', '--dir', leafDir)).nats;
  await cli('leaf', 'attach', '--domain', DOMAIN, '--nats', hub.urls);
  // The same cim as on a lone node or a cluster member; only the NATS server differs.
  node = await startCimUp(['--data', join(root, 'node'), '--nats', leafUrl]);
});

after(async () => {
  // Every step runs even when one before it fails, so no server outlives the test.
  const steps: (() => Promise<unknown>)[] = [
    async () => node?.stop(),
    async () => {
      const down = await runCim(['leaf', 'down', '--dir', leafDir]);
      assert.equal(down.code, 0, down.stderr);
    },
    async () => Promise.all(proxies.map((p) => p.close())),
    async () => hub?.stop(),
  ];
  const failures: unknown[] = [];
  for (const step of steps) await step().catch((err: unknown) => failures.push(err));
  rmSync(root, { recursive: true, force: true });
  if (failures.length > 0) throw failures[0];
});

test(
  'a full node on a leaf keeps ingesting, searching and running a pipeline while cut off, then the hub catches up and verifies',
  // 133 s and 240 s measured with a core kept busy on a machine at load ~25 (cim up alone took
  // 74 s): more than the runner's 5-minute default leaves room for.
  { timeout: 600_000 },
  async (t) => {
    const url = node!.ready.ui;
    await cimJson(url, 'pipeline', 'apply', EXAMPLE);
    await Promise.all(proxies.map((p) => p.down()));

    const cut = await cli<LeafStatus>('leaf', 'status', '--nats', leafUrl, '--monitor', monitorUrl);
    assert.equal(cut.leafz?.connections, 0, 'the leaf server holds no leafnode connection');
    assert.equal(cut.link, 'down');
    assert.equal(cut.events.lag, null, 'the hub cannot be asked across a cut link');
    assert.match(cut.hubProblem ?? '', /link is down/);

    const words = ['quokkaoffline', 'narwhaloffline', 'axolotloffline'];
    for (const word of words) {
      const file = join(root, `${word}.md`);
      writeFileSync(file, `# Field note\n\nWritten while the hub was unreachable: ${word}.\n`);
      const ingested = await runCim(['ingest', file, '--json', '--url', url]);
      assert.equal(ingested.code, 0, ingested.stderr);
    }
    for (const word of words) {
      const { hits } = await cimJson<{ hits: SearchHit[] }>(url, 'search', word);
      assert.ok(hits.length >= 1, `search finds ${word} while cut off`);
    }
    await waitForStatus(url, 'documents', (s) => s.counters.completed >= words.length);
    const offline = await cli<LeafStatus>(
      'leaf',
      'status',
      '--nats',
      leafUrl,
      '--hub-nats',
      hub!.urls,
    );
    assert.equal(offline.link, 'down');
    assert.ok(offline.events.lag! > 0 && offline.content.lag! > 0, 'the hub is behind while cut');

    await Promise.all(proxies.map((p) => p.up()));
    const reconnected = Date.now();
    const deadline = Date.now() + 60_000;
    let status = offline;
    while (!(status.link === 'up' && status.events.lag === 0 && status.content.lag === 0)) {
      assert.ok(Date.now() < deadline, `no catch-up within 60 s: ${JSON.stringify(status)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = await cli<LeafStatus>('leaf', 'status', '--nats', leafUrl, '--monitor', monitorUrl);
    }
    assert.equal(status.leafz?.connections, 1, 'one leafnode connection, to a hub member');
    t.diagnostic(`the hub caught up ${Date.now() - reconnected} ms after the link came back`);
    const report = await cli<LeafVerifyReport>(
      'leaf',
      'verify',
      '--domain',
      DOMAIN,
      '--nats',
      hub!.urls,
    );
    assert.equal(report.ok, true);
    assert.equal(report.events.events, status.events.leaf);
    assert.ok(report.content.objects >= words.length * 2, 'the documents and their extracted text');
  },
);
