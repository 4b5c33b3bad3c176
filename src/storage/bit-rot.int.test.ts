import { after, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CIM_BIN, runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import { waitGone } from '../testing/processes.js';
import type { VerifyRun } from './verify-runs.js';
import type { Health } from '../api/schemas/health.js';

const BEFORE = 100;
const DURING = 3000;
/** The node is killed once this many of the files ingested after the flip are reported stored. */
const KILL_AFTER = 1000;
const root = mkdtempSync(join(tmpdir(), 'cim-bit-rot-'));
const nodes = new Set<CimUp>();

after(async () => {
  for (const node of nodes) await node.stop();
  rmSync(root, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

interface Line {
  path: string;
  unitCid?: string;
  contentCid?: string;
  status: string;
}

/** Small files of distinct random bytes, by path, with their digests. */
function writeFiles(folder: string, prefix: string, n: number, digests: Map<string, string>) {
  mkdirSync(folder, { recursive: true });
  for (let i = 0; i < n; i++) {
    const path = join(folder, `${prefix}-${i}.txt`);
    const bytes = randomBytes(200 + (i % 800));
    writeFileSync(path, bytes);
    digests.set(path, sha256(bytes));
  }
}

async function start(data: string, config: string): Promise<CimUp> {
  const node = await startCimUp(['--data', data, '--config', config]);
  nodes.add(node);
  return node;
}

/** Kills the node and its nats-server as a power cut would, and waits until both are gone. */
async function kill9(node: CimUp): Promise<void> {
  const pids = [node.ready.pid, ...(node.ready.natsPid === null ? [] : [node.ready.natsPid])];
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  await waitGone(pids);
  nodes.delete(node);
}

/** The active (last) block of a stream's file store. */
function activeBlock(data: string, stream: string): string {
  const dir = join(data, 'nats', 'jetstream', 'jetstream', '$G', 'streams', stream, 'msgs');
  const blocks = readdirSync(dir)
    .filter((f) => f.endsWith('.blk'))
    .sort((a, b) => parseInt(a) - parseInt(b));
  return join(dir, blocks.at(-1)!);
}

/** Flips every bit of the byte in the middle of `file`, as bit rot under a running server does. */
function flipMiddleByte(file: string): void {
  const at = Math.floor(statSync(file).size / 2);
  const fd = openSync(file, 'r+');
  try {
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0xff;
    writeSync(fd, byte, 0, 1, at);
  } finally {
    closeSync(fd);
  }
}

/** Runs `cim ingest FOLDER --json`, calling `onLine` for each line as it is printed. */
function ingestStreaming(
  url: string,
  folder: string,
  onLine: (line: Line) => void,
): Promise<number | null> {
  const child = spawn(process.execPath, [CIM_BIN, 'ingest', folder, '--json', '--url', url], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onLine(JSON.parse(line) as Line);
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** The run the node started by itself after the unclean stop, once it has finished. */
async function reconciliation(url: string, deadline: number): Promise<VerifyRun> {
  for (;;) {
    const { run } = (await (await fetch(`${url}/api/storage/verify`)).json()) as {
      run: VerifyRun | null;
    };
    if (run?.kind === 'reconcile' && run.state !== 'running') return run;
    assert.ok(Date.now() < deadline, `no finished reconciliation: ${JSON.stringify(run)}`);
    await sleep(200);
  }
}

/** The unit's content, or the HTTP status when it cannot be read. */
async function readUnit(url: string, unitCid: string): Promise<Uint8Array | number> {
  const response = await fetch(`${url}/api/units/${unitCid}/content`);
  if (!response.ok) {
    await response.arrayBuffer();
    return response.status;
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** How many events of `type` the domain holds. */
async function countEvents(url: string, domain: string, type: string): Promise<number> {
  let count = 0;
  for (let after = 0; ;) {
    const page = (await (
      await fetch(`${url}/api/events?domain=${domain}&limit=1000&after=${after}`)
    ).json()) as { events: { type: string }[]; next: number };
    if (page.events.length === 0) return count;
    count += page.events.filter((e) => e.type === type).length;
    after = page.next;
  }
}

/**
 * Ingests BEFORE files, flips a byte in the middle of the hot object store's active block,
 * ingests DURING files and kills the node part-way; restarts it and returns what it says within a
 * minute of the start, with every unit reported stored.
 */
async function corruptAndCrash(t: TestContext, name: string, storage: Record<string, unknown>) {
  const dir = join(root, name);
  const data = join(dir, 'node');
  const config = join(dir, 'cim.json');
  mkdirSync(dir);
  writeFileSync(config, JSON.stringify({ storage }));
  const digests = new Map<string, string>();
  writeFiles(join(dir, 'before'), 'b', BEFORE, digests);
  writeFiles(join(dir, 'during'), 'd', DURING, digests);

  const began = Date.now();
  const first = await start(data, config);
  const stored: Line[] = [];
  const onLine = (line: Line) => {
    if (line.status === 'stored') stored.push(line);
  };
  assert.equal(await ingestStreaming(first.ready.ui, join(dir, 'before'), onLine), 0);
  assert.equal(stored.length, BEFORE);
  flipMiddleByte(activeBlock(data, 'OBJ_cim-content'));
  let killing: Promise<void> | undefined;
  const exit = await ingestStreaming(first.ready.ui, join(dir, 'during'), (line) => {
    onLine(line);
    if (stored.length >= BEFORE + KILL_AFTER) killing ??= kill9(first);
  });
  await killing;
  assert.ok(killing !== undefined, 'the node was killed during the ingest');
  assert.equal(exit, 1, 'the interrupted ingest reports failure');
  assert.ok(stored.length < BEFORE + DURING, `${stored.length} stored before the kill`);

  const startedAt = Date.now();
  t.diagnostic(`ingest until the kill: ${startedAt - began} ms, ${stored.length} stored`);
  const node = await start(data, config);
  const url = node.ready.ui;
  const run = await reconciliation(url, startedAt + 60_000);
  t.diagnostic(`restart to reconciled: ${Date.now() - startedAt} ms`);
  assert.equal(run.state, 'done', run.error ?? '');
  const report = run.report!;
  const lost = new Map(report.lost.map((l) => [l.cid, l]));
  let exact = 0;
  for (const line of stored) {
    const read = await readUnit(url, line.unitCid!);
    if (typeof read !== 'number' && sha256(read) === digests.get(line.path)) {
      exact++;
      assert.ok(!lost.has(line.contentCid!), `${line.path} reads back, yet is reported lost`);
      continue;
    }
    const named = lost.get(line.contentCid!);
    assert.ok(named, `${line.path} neither reads back (${String(read)}) nor is reported lost`);
    assert.ok(named.names.includes(basename(line.path)), `lost by name: ${line.path}`);
  }
  // Units whose ingest the kill cut short after the node recorded them (never reported to the
  // client) may be lost too: each loss must still name files of this test.
  const files = new Set([...digests.keys()].map((path) => basename(path)));
  for (const gone of report.lost)
    assert.ok(
      gone.names.length > 0 && gone.names.every((n) => files.has(n)),
      `lost ${gone.cid} names files of the test: ${gone.names.join(', ')}`,
    );
  const lostStored = stored.filter((line) => lost.has(line.contentCid!)).length;
  return { node, url, report, stored, exact, lostStored };
}

test(
  'a byte flipped in the hot store, then kill -9 during an ingest: every unit reported stored reads back or is reported lost by name within a minute',
  { timeout: 300_000 },
  async (t) => {
    const { node, url, report, stored, exact, lostStored } = await corruptAndCrash(t, 'single', {});
    assert.ok(lostStored > 0, 'the corruption cost content reported stored (the test bites)');
    assert.equal(exact + lostStored, stored.length, 'each unit is one or the other');
    const health = (await (await fetch(`${url}/api/health`)).json()) as Health;
    assert.equal(health.storage?.state, 'faults');
    assert.equal(health.storage?.lost, report.lost.length);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, new RegExp(`cim_storage_lost_contents ${report.lost.length}\\b`));
    assert.match(node.stderr(), /content LOST: no tier holds an intact copy of bafkrei/);
    const verify = await runCim(['storage', 'verify', '--url', url]);
    assert.equal(verify.code, 1, 'verify fails while content is lost');
    assert.match(
      verify.stdout,
      new RegExp(`LOST ${report.lost[0]!.cid}: .*${report.lost[0]!.names[0]}`),
    );
    assert.equal(
      await countEvents(url, 'storage', 'ContentLost'),
      report.lost.length,
      'each loss is recorded once, whatever verify finds again',
    );
    await node.stop();
  },
);

test(
  'with a safety copy in a second tier, the same corruption and crash lose nothing: every copy is repaired',
  { timeout: 300_000 },
  async (t) => {
    const safe = join(root, 'safe-tier');
    const { node, url, report, stored, exact } = await corruptAndCrash(t, 'safety', {
      tiers: { safe: { kind: 'folder', path: safe } },
      safetyCopy: { to: 'safe' },
    });
    assert.deepEqual(report.lost, [], 'nothing lost');
    assert.equal(exact, stored.length, 'every unit reported stored reads back byte-exact');
    const repaired = report.faults.filter((f) => f.repairedFrom === 'safe' && f.tier === 'hot');
    assert.ok(repaired.length > 0, 'the hot copies the corruption cost were repaired');
    assert.equal(
      report.faults.filter((f) => f.repairedFrom === undefined).length,
      0,
      'every fault was repaired',
    );
    const verify = await runCim(['storage', 'verify', '--json', '--url', url]);
    assert.equal(verify.code, 0, `a second verification finds nothing: ${verify.stdout}`);
    await node.stop();
  },
);

test(
  'a byte flipped in CIM_EVENTS is found by the scrub and by cim events verify',
  { timeout: 180_000 },
  async () => {
    const dir = join(root, 'events');
    const data = join(dir, 'node');
    const config = join(dir, 'cim.json');
    mkdirSync(dir);
    // Scrubbed every few seconds, so the scrub (not a reconciliation: the stop was clean) finds it.
    writeFileSync(config, JSON.stringify({ storage: { scrub: { intervalSeconds: 2 } } }));
    writeFiles(join(dir, 'files'), 'e', BEFORE, new Map());
    const first = await start(data, config);
    assert.equal((await runCim(['ingest', join(dir, 'files'), '--url', first.ready.ui])).code, 0);
    // The catalog has read (and checkpointed) every event before the flip.
    await first.stop();
    nodes.delete(first);
    flipMiddleByte(activeBlock(data, 'CIM_EVENTS'));
    const second = await start(data, config);
    const ui = second.ready.ui;
    let health: Health;
    for (const deadline = Date.now() + 60_000; ;) {
      health = (await (await fetch(`${ui}/api/health`)).json()) as Health;
      if (health.storage?.lastCheck) break;
      assert.ok(Date.now() < deadline, 'no scrub at start');
      await sleep(200);
    }
    assert.ok(health.storage!.eventProblems > 0, `the scrub found it: ${JSON.stringify(health)}`);
    assert.match(second.stderr(), /event stream DAMAGED/);
    const verify = await runCim(['events', 'verify', '--url', ui]);
    assert.equal(verify.code, 1, verify.stdout);
    assert.match(verify.stdout, /truncated|position_gap|cid_mismatch|prev_mismatch/);
    await second.stop();
  },
);
