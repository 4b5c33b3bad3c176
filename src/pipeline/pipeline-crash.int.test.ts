import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import { cimJson, waitForStatus } from '../testing/pipeline-node.js';
import type { PipelineStatusJson } from '../testing/pipeline-node.js';
import type { CatalogUnit } from '../knowledge/catalog.js';

const UNITS = 60;
const root = mkdtempSync(join(tmpdir(), 'cim-pipeline-crash-'));
const data = join(root, 'node');
let node: CimUp | undefined;

after(async () => {
  await node?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A slow processor making one derived unit per input: duplicates would be visible. */
const SLOW_PLUGIN = `export default {
  name: 'slow',
  version: '1.0.0',
  cimApi: '^1.0.0',
  provides: {
    processors: {
      'slow-copy': {
        version: '1.0.0',
        description: 'copies the content, slowly',
        async run(input) {
          await new Promise((resolve) => setTimeout(resolve, 150));
          return { derived: [{ name: input.unit.name + '.copy.txt', mediaType: 'text/plain', bytes: await input.content() }] };
        },
      },
    },
  },
};
`;

interface ApiEvent {
  type: string;
  aggregateId: string;
  data: { step?: string };
}

async function allEvents(url: string): Promise<ApiEvent[]> {
  const out: ApiEvent[] = [];
  for (let after = 0; ;) {
    const page = (await (await fetch(`${url}/api/events?after=${after}&limit=1000`)).json()) as {
      events: ApiEvent[];
      next: number;
    };
    if (page.events.length === 0) return out;
    out.push(...page.events);
    after = page.next;
  }
}

test(
  'kill -9 of the node mid-pipeline: after restart every unit is processed exactly once in effect',
  // 116 s measured with a core kept busy on a machine at load ~25.
  { timeout: 360_000 },
  async () => {
    writeFileSync(join(root, 'slow.mjs'), SLOW_PLUGIN);
    const config = join(root, 'cim.json');
    writeFileSync(
      config,
      JSON.stringify({
        plugins: [join(root, 'slow.mjs')],
        pipeline: { ackWaitSeconds: 2, processorTimeoutSeconds: 1 },
      }),
    );
    const pipelineFile = join(root, 'slow.yaml');
    writeFileSync(
      pipelineFile,
      'name: slow\ntrigger: { events: [UnitIngested], tags: [slow] }\nsteps:\n  - id: copy\n    processor: slow-copy\nconcurrency: 2\n',
    );
    const dir = join(root, 'in');
    mkdirSync(dir);
    for (let i = 0; i < UNITS; i++) writeFileSync(join(dir, `u${i}.txt`), `unit number ${i}\n`);

    node = await startCimUp(['--data', data, '--config', config]);
    const first = node;
    await cimJson(first.ready.ui, 'pipeline', 'apply', pipelineFile);
    const ingested = await runCim([
      'ingest',
      dir,
      '--tag',
      'slow',
      '--json',
      '--url',
      first.ready.ui,
    ]);
    assert.equal(ingested.code, 0, ingested.stderr);
    const sources = ingested.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { unitCid: string }).unitCid);
    const before = await waitForStatus(first.ready.ui, 'slow', (s) => s.counters.completed >= 10);
    assert.ok(before.counters.completed < UNITS / 2, 'killed while most units were still to do');
    first.process.kill('SIGKILL');
    if (first.ready.natsPid !== null) process.kill(first.ready.natsPid, 'SIGKILL');
    await new Promise((resolve) => first.process.once('exit', resolve));

    node = await startCimUp(['--data', data, '--config', config]);
    const url = node.ready.ui;
    const deadline = Date.now() + 120_000;
    let copies: CatalogUnit[] = [];
    for (;;) {
      const page = await cimJson<{ units: CatalogUnit[] }>(url, 'units', 'ls', '--limit', '1000');
      copies = page.units.filter((u) => u.producedBy !== null);
      const status = await cimJson<PipelineStatusJson>(url, 'pipeline', 'status', 'slow');
      const idle = status.backlog?.pending === 0 && status.backlog.inFlight === 0;
      if (copies.length >= UNITS && idle) {
        assert.ok(status.counters.completed > 0, 'the restarted node finished the rest');
        break;
      }
      assert.ok(Date.now() < deadline, `only ${copies.length} of ${UNITS} processed after restart`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    assert.equal(copies.length, UNITS, 'one derived unit per source: none missing, none twice');
    assert.deepEqual(
      copies.map((c) => c.derivedFrom[0]).sort(),
      [...sources].sort(),
      'every source has its copy',
    );
    const events = await allEvents(url);
    for (const source of sources) {
      const completed = events.filter(
        (e) => e.aggregateId === `slow_${source}` && e.type === 'StepsCompleted',
      );
      assert.equal(completed.length, 1, `unit ${source}: its step completed exactly once`);
    }
    const derivedVersions = events.filter(
      (e) =>
        e.type === 'UnitIngested' &&
        (e.data as { unit?: { producedBy: unknown } }).unit?.producedBy != null,
    );
    assert.equal(derivedVersions.length, UNITS, 'no derived document got a second version');
    const verify = await runCim(['events', 'verify', '--url', url]);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  },
);
