import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import { startTestS3 } from '../testing/s3-harness.js';
import type { TestS3 } from '../testing/s3-harness.js';
import type { TierStatus } from './storage-manager.js';

let s3: TestS3;
let root: string;
let node: CimUp;

before(async () => {
  s3 = await startTestS3();
  root = mkdtempSync(join(tmpdir(), 'cim-tier-faults-'));
  const { endpoint, bucket, region, prefix, credentials } = s3.config;
  const s3Tier = { kind: 's3', region, prefix, forcePathStyle: true };
  writeFileSync(join(root, 'good-key'), credentials.accessKeyId);
  writeFileSync(join(root, 'good-secret'), credentials.secretAccessKey);
  writeFileSync(join(root, 'bad-key'), 'CIMWRONGKEY');
  writeFileSync(join(root, 'bad-secret'), 'wrong-secret');
  const config = join(root, 'cim.json');
  writeFileSync(
    config,
    JSON.stringify({
      storage: {
        tiers: {
          'wrong-keys': {
            ...s3Tier,
            endpoint,
            bucket,
            accessKeyIdFile: 'bad-key',
            secretAccessKeyFile: 'bad-secret',
          },
          'no-bucket': {
            ...s3Tier,
            endpoint,
            bucket: 'no-such-bucket',
            accessKeyIdFile: 'good-key',
            secretAccessKeyFile: 'good-secret',
          },
          unreachable: {
            ...s3Tier,
            // Port 1: privileged and never handed out as a free port, so no other test's server
            // can take it while this runs (a free port could be taken and become reachable).
            endpoint: 'http://127.0.0.1:1',
            bucket,
            accessKeyIdFile: 'good-key',
            secretAccessKeyFile: 'good-secret',
          },
        },
      },
    }),
  );
  // Relative key files are found in systemd's credentials folder.
  node = await startCimUp(['--data', join(root, 'node'), '--config', config], {
    CREDENTIALS_DIRECTORY: root,
    CIM_LOG_LEVEL: 'info',
  });
});

after(async () => {
  await node?.stop();
  await s3?.stop();
  rmSync(root, { recursive: true, force: true });
});

test('wrong credentials, an unknown bucket, an unreachable endpoint: one sentence each, at start and in status', async () => {
  const expected: Record<string, RegExp> = {
    'wrong-keys': /refused the credentials of tier wrong-keys/,
    'no-bucket': /Bucket no-such-bucket does not exist/,
    unreachable: /The S3 endpoint of tier unreachable .* cannot be reached/,
  };
  const result = await runCim(['storage', 'status', '--json', '--url', node.ready.ui]);
  assert.equal(result.code, 1, `status exits 1 when a tier cannot be used: ${result.stdout}`);
  const { tiers } = JSON.parse(result.stdout) as { tiers: TierStatus[] };
  assert.equal(tiers.find((t) => t.name === 'hot')?.error, undefined, 'hot is fine');
  for (const [name, sentence] of Object.entries(expected)) {
    const tier = tiers.find((t) => t.name === name)!;
    assert.equal(tier.objects, null);
    assert.match(tier.error ?? '', sentence);
    assert.doesNotMatch(tier.error ?? '', /\n/, 'one line, no stack');
    assert.match(node.stderr(), new RegExp(`storage tier ${name} cannot be used: `));
  }
  assert.doesNotMatch(node.stderr(), /\n\s+at /, 'no stack trace in the log');
  const human = await runCim(['storage', 'status', '--url', node.ready.ui]);
  assert.match(human.stdout, /no-bucket\s+unusable: Bucket no-such-bucket does not exist/);
});

test('a tier without credentials stops the start with a sentence naming it', async () => {
  const config = join(root, 'nokeys.json');
  writeFileSync(
    config,
    JSON.stringify({
      storage: {
        tiers: {
          warm: { kind: 's3', endpoint: s3.config.endpoint, bucket: s3.config.bucket },
        },
      },
    }),
  );
  const result = await runCim(['up', '--data', join(root, 'nokeys'), '--config', config]);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /Tier warm has no access key id: set CIM_TIER_WARM_ACCESS_KEY_ID/);
});
