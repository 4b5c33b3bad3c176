import { randomFillSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Upload } from '@aws-sdk/lib-storage';
import { runCim, startCimUp } from '../src/testing/cli.js';
import { s3TierOf, startTestS3 } from '../src/testing/s3-harness.js';
import type { Figure } from './harness.js';
import { figure, note, startBenchNats } from './harness.js';

const FILES = 24;
const FILE_BYTES = 4 * 1024 * 1024;
/** Uploads at once on both sides: the policy runner moves four contents at a time. */
const CONCURRENCY = 4;

/**
 * The `tiers` suite: a lifecycle policy moving content from the hot tier (JetStream) to an S3
 * tier — read from JetStream, uploaded, read back and hashed, recorded, freed in hot — against
 * AWS SDK uploads (`@aws-sdk/lib-storage`) of the same bytes to the same S3 server, as many at
 * once. The S3 server is s3rver on loopback, or the endpoint `CIM_TEST_S3_*` names.
 */
export async function tiersSuite(): Promise<{ figures: Figure[]; serverVersion: string }> {
  const nats = await startBenchNats();
  const s3 = await startTestS3();
  const dir = mkdtempSync(join(tmpdir(), 'cim-bench-tiers-'));
  const { bucket, prefix } = s3.config;
  const warm = s3TierOf(s3);
  const config = join(dir, 'cim.json');
  writeFileSync(
    config,
    JSON.stringify({
      storage: {
        tiers: { warm: warm.tier },
      },
    }),
  );
  const node = await startCimUp(
    ['--nats', nats.url, '--data', join(dir, 'data'), '--config', config],
    warm.env,
  );
  try {
    const url = node.ready.ui;
    const files = join(dir, 'files');
    mkdirSync(files);
    const block = Buffer.alloc(FILE_BYTES);
    for (let i = 0; i < FILES; i++) {
      randomFillSync(block);
      writeFileSync(join(files, `f${i}.bin`), block);
    }
    const total = FILES * FILE_BYTES;
    note(`tiers: ingesting ${FILES} files of ${FILE_BYTES / 1024 / 1024} MiB`);
    const ingested = await runCim(['ingest', files, '--json', '--url', url]);
    if (ingested.code !== 0) throw new Error(`ingest failed: ${ingested.stderr}`);

    note(`tiers: raw AWS SDK uploads, ${CONCURRENCY} at once`);
    const client = s3.client();
    const rawStarted = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < FILES) {
          const i = next++;
          await new Upload({
            client,
            params: {
              Bucket: bucket,
              Key: `${prefix}raw/f${i}`,
              Body: readFileSync(join(files, `f${i}.bin`)),
            },
          }).done();
        }
      }),
    );
    const rawSeconds = (performance.now() - rawStarted) / 1000;

    note('tiers: a policy moving everything hot → warm');
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'name: bench\nrules:\n  - { from: hot, to: warm }\n');
    const applied = await runCim([
      'storage',
      'policy',
      'apply',
      policy,
      '--wait',
      '--json',
      '--url',
      url,
    ]);
    if (applied.code !== 0) throw new Error(`policy failed: ${applied.stderr}`);
    const { run } = JSON.parse(applied.stdout) as {
      run: { moved: number; startedAt: string; finishedAt: string };
    };
    if (run.moved !== FILES) throw new Error(`the policy moved ${run.moved} of ${FILES}`);
    // The node's own account of the run, as the pipeline suite uses: the CLI's start and its
    // polling are not tiering.
    const seconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
    return {
      figures: [
        figure(
          'tier-upload',
          'MB/s',
          total / 1e6 / seconds,
          `AWS SDK upload of the same bytes, ${CONCURRENCY} at once`,
          total / 1e6 / rawSeconds,
          0.7,
        ),
      ],
      serverVersion: nats.serverVersion,
    };
  } finally {
    await node.stop();
    await s3.stop();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
