import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import { s3TierOf, startTestS3 } from '../testing/s3-harness.js';
import type { TestS3 } from '../testing/s3-harness.js';
import { startTcpProxy } from '../testing/tcp-proxy.js';
import type { TcpProxy } from '../testing/tcp-proxy.js';
import type { IngestLine } from '../cli/commands/ingest-upload.js';
import type { PolicyRun } from './policy-runner.js';
import type { TierStatus } from './storage-manager.js';

const UNITS = 300;
let s3: TestS3;
let proxy: TcpProxy;
let root: string;
let node: CimUp;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function policyRun(url: string): Promise<PolicyRun | null> {
  const { policies } = (await (await fetch(`${url}/api/storage/policies`)).json()) as {
    policies: { run: PolicyRun | null }[];
  };
  return policies[0]?.run ?? null;
}

before(async () => {
  s3 = await startTestS3();
  proxy = await startTcpProxy(s3.config.endpoint);
  root = mkdtempSync(join(tmpdir(), 'cim-outage-'));
  const warm = s3TierOf(s3, 'warm', proxy.url);
  const config = join(root, 'cim.json');
  writeFileSync(
    config,
    JSON.stringify({
      storage: {
        tiers: {
          warm: warm.tier,
        },
      },
    }),
  );
  node = await startCimUp(['--data', join(root, 'node'), '--config', config], warm.env);
});

after(async () => {
  await node?.stop();
  await proxy?.close();
  await s3?.stop();
  rmSync(root, { recursive: true, force: true });
});

test('the S3 tier unreachable in the middle of a policy run: nothing is lost or freed early, and the run completes when it is back', async () => {
  const url = node.ready.ui;
  const files = join(root, 'files');
  mkdirSync(files);
  for (let i = 0; i < UNITS; i++) writeFileSync(join(files, `f${i}.bin`), randomBytes(40_000));
  const ingested = await runCim(['ingest', files, '--json', '--url', url]);
  assert.equal(ingested.code, 0, ingested.stderr);
  const lines = ingested.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as IngestLine);

  const policy = join(root, 'policy.yaml');
  writeFileSync(policy, 'name: to-warm\nrules:\n  - { from: hot, to: warm }\n');
  const applied = await runCim(['storage', 'policy', 'apply', policy, '--url', url]);
  assert.equal(applied.code, 0, applied.stderr);
  const deadline = Date.now() + 60_000;
  while (((await policyRun(url))?.moved ?? 0) < 30) {
    assert.ok(Date.now() < deadline, 'the run made no progress');
    await sleep(20);
  }

  await proxy.down();
  await sleep(1500);
  const during = await policyRun(url);
  assert.equal(during?.state, 'running', 'the run waits for the tier instead of giving up');
  const status = (await (await fetch(`${url}/api/storage`)).json()) as { tiers: TierStatus[] };
  const warm = status.tiers.find((t) => t.name === 'warm')!;
  assert.equal(warm.objects, null);
  assert.match(warm.error ?? '', /cannot be reached/, 'status says so in a sentence');
  await proxy.up();

  for (;;) {
    const run = await policyRun(url);
    if (run?.state === 'done') {
      assert.equal(run.failed, 0, run.lastError);
      break;
    }
    assert.ok(Date.now() < deadline + 60_000, `the run did not finish: ${JSON.stringify(run)}`);
    await sleep(100);
  }
  for (const line of lines) {
    const response = await fetch(`${url}/api/units/${line.unitCid}/content`);
    assert.equal(response.status, 200, line.path);
    assert.equal(
      sha256(new Uint8Array(await response.arrayBuffer())),
      sha256(readFileSync(line.path)),
      line.path,
    );
    const where = (await (await fetch(`${url}/api/storage/content/${line.contentCid}`)).json()) as {
      tiers: string[];
    };
    assert.deepEqual(where.tiers, ['warm'], line.path);
  }
});
