import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import { s3TierOf, startTestS3 } from '../testing/s3-harness.js';
import type { TestS3 } from '../testing/s3-harness.js';
import type { IngestLine } from '../cli/commands/ingest-upload.js';
import type { TierStatus } from './storage-manager.js';
import type { PolicyRun } from './policy-runner.js';
import { crash } from '../testing/processes.js';

const UNITS = 1_000;
let s3: TestS3;
let root: string;
let node: CimUp;
let config: string;
let env: NodeJS.ProcessEnv;

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const text = (i: number) => `note ${i}: ${'lorem ipsum '.repeat(20 + (i % 50))}\n`;

async function start(): Promise<CimUp> {
  return startCimUp(['--data', join(root, 'node'), '--config', config], env);
}

async function tierCounts(url: string): Promise<Record<string, number | null>> {
  const { tiers } = (await (await fetch(`${url}/api/storage`)).json()) as { tiers: TierStatus[] };
  return Object.fromEntries(tiers.map((t) => [t.name, t.objects]));
}

async function policyRun(url: string, name: string): Promise<PolicyRun | null> {
  const { policies } = (await (await fetch(`${url}/api/storage/policies`)).json()) as {
    policies: { policy: { name: string }; run: PolicyRun | null }[];
  };
  return policies.find((p) => p.policy.name === name)?.run ?? null;
}

before(async () => {
  s3 = await startTestS3();
  root = mkdtempSync(join(tmpdir(), 'cim-policy-'));
  const warm = s3TierOf(s3);
  config = join(root, 'cim.json');
  writeFileSync(
    config,
    JSON.stringify({
      storage: {
        tiers: {
          warm: warm.tier,
          cold: { kind: 'folder', path: join(root, 'cold') },
        },
      },
    }),
  );
  env = warm.env;
  node = await start();
});

after(async () => {
  await node?.stop();
  await s3?.stop();
  rmSync(root, { recursive: true, force: true });
});

test('an invalid policy is refused naming the field, and nothing is recorded', async () => {
  const file = join(root, 'bad.yaml');
  writeFileSync(file, 'name: bad\nrules:\n  - { from: hot, to: glacier }\n');
  const result = await runCim(['storage', 'policy', 'apply', file, '--url', node.ready.ui]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /rules\[0\]\.to: there is no tier "glacier"/);
  const listed = await runCim(['storage', 'policy', 'ls', '--url', node.ready.ui]);
  assert.match(listed.stdout, /No lifecycle policy is applied/);
});

test(
  'a policy moves 1,000 units hot → warm → cold through a kill -9; all read back byte-exact',
  // With a core kept busy on a machine at load ~25: 411 s to pass; the old fixed wait failed at 211 s.
  { timeout: 900_000 },
  async () => {
    const files = join(root, 'notes');
    mkdirSync(files);
    for (let i = 0; i < UNITS; i++) writeFileSync(join(files, `n${i}.txt`), text(i));
    const ingested = await runCim([
      'ingest',
      files,
      '--json',
      '--concurrency',
      '8',
      '--url',
      node.ready.ui,
    ]);
    assert.equal(ingested.code, 0, ingested.stderr);
    const lines = ingested.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as IngestLine);
    const hotBefore = (await tierCounts(node.ready.ui))['hot']!;
    const hotBytesBefore = (
      (await (await fetch(`${node.ready.ui}/api/storage`)).json()) as { tiers: TierStatus[] }
    ).tiers.find((t) => t.name === 'hot')!.bytes!;

    const policy = join(root, 'age-out.yaml');
    writeFileSync(
      policy,
      [
        'name: age-out',
        'rules:',
        '  - { from: hot, to: warm, when: { olderThanDays: 0, mediaTypes: ["text/*"] } }',
        '  - { from: warm, to: cold, when: { olderThanDays: 0 } }',
        '',
      ].join('\n'),
    );
    const applied = await runCim(['storage', 'policy', 'apply', policy, '--url', node.ready.ui]);
    assert.equal(applied.code, 0, applied.stderr);

    // A crash in the middle of the run: node and NATS killed with no chance to clean up.
    const deadline = Date.now() + 60_000;
    while (((await policyRun(node.ready.ui, 'age-out'))?.moved ?? 0) < 200) {
      assert.ok(Date.now() < deadline, 'the policy run made no progress');
      await sleep(50);
    }
    await crash(node);
    node = await start();
    const url = node.ready.ui;

    // The restarted node runs every recorded policy, finishing what the crash cut short. A busy
    // machine slows the run down, so it fails when the run stops making progress, not at a fixed
    // time (at load ~25 it moved ~7 units/s, where a fixed 3 minutes had failed).
    let progress = { moved: -1, at: Date.now() };
    for (;;) {
      const run = await policyRun(url, 'age-out');
      if (run?.state === 'done') {
        assert.equal(run.failed, 0, run.lastError);
        break;
      }
      const moved = run?.moved ?? 0;
      if (moved !== progress.moved) progress = { moved, at: Date.now() };
      assert.ok(
        Date.now() - progress.at < 60_000,
        `the run moved nothing for 60 s: ${JSON.stringify(run)}`,
      );
      await sleep(200);
    }
    const counts = await tierCounts(url);
    assert.equal(counts['cold'], UNITS);
    assert.equal(counts['warm'], 0);
    assert.equal(counts['hot'], hotBefore - UNITS);
    const hotBytes = (
      (await (await fetch(`${url}/api/storage`)).json()) as { tiers: TierStatus[] }
    ).tiers.find((t) => t.name === 'hot')!.bytes!;
    assert.ok(hotBytes < hotBytesBefore, 'the hot tier holds fewer bytes');

    for (const [i, line] of lines.entries()) {
      const response = await fetch(`${url}/api/units/${line.unitCid}/content`);
      assert.equal(response.status, 200);
      const bytes = new Uint8Array(await response.arrayBuffer());
      assert.equal(
        sha256(bytes),
        sha256(text(Number(/n(\d+)\.txt$/.exec(line.path)![1]))),
        `unit ${i}`,
      );
    }
    const cat = await runCim(['units', 'cat', lines[0]!.unitCid!, '--url', url]);
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, text(Number(/n(\d+)\.txt$/.exec(lines[0]!.path)![1])));
    const status = await runCim(['storage', 'status', '--url', url]);
    assert.match(status.stdout, new RegExp(`cold\\s+${UNITS} objects\\s+${UNITS} units`));
    assert.match(status.stdout, /warm\s+0 objects\s+0 units/);
  },
);
