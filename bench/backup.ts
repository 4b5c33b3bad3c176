import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { BackupRun, SearchResult, UnitPage } from '../src/api/schemas/index.js';
import type { RestoreReport } from '../src/runtime/restore-node.js';
import type { BackupVerifyReport } from '../src/storage/backup/backup-verify.js';
import { runCim, startCimUp } from '../src/testing/cli.js';
import type { CimUp } from '../src/testing/cli.js';
import { s3TierOf, startTestS3 } from '../src/testing/s3-harness.js';
import type { Figure } from './harness.js';
import { figure, note, timed } from './harness.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/pipelines/documents.yaml', import.meta.url));
/** Units in the node backed up; `CIM_BENCH_BACKUP_UNITS` sets fewer while developing. */
const UNITS = Number(process.env['CIM_BENCH_BACKUP_UNITS'] ?? 20_000);
/** Of them, this share is moved warm (S3) and the same share cold (a folder), before the backup. */
const TIERED_SHARE = 0.1;
/** Uploads at once in the baseline: the backup copies content 16 objects at a time. */
const CONCURRENCY = 16;
const QUERIES = ['agenda', 'quartz', '"minutes number 7"'];

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function cim<T>(args: readonly string[], env: NodeJS.ProcessEnv): Promise<T> {
  const result = await runCim([...args, '--json'], env);
  if (result.code !== 0) throw new Error(`cim ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

async function units(url: string): Promise<UnitPage['units']> {
  const out: UnitPage['units'] = [];
  let cursor: number | null = null;
  do {
    const page: UnitPage = await json(
      `${url}/api/units?limit=1000${cursor === null ? '' : `&cursor=${cursor}`}`,
    );
    out.push(...page.units);
    cursor = page.next;
  } while (cursor !== null);
  return out;
}

/** What the acceptance compares before and after: every unit's bytes, and search answers. */
async function snapshot(url: string): Promise<{ hashes: Map<string, string>; answers: string[] }> {
  const all = await units(url);
  const hashes = new Map<string, string>();
  await timed(all.length, 16, async (i) => {
    const unit = all[i]!;
    const response = await fetch(`${url}/api/units/${unit.unitCid}/content`);
    if (response.status !== 200)
      throw new Error(`unit ${unit.unitCid} answered ${response.status}`);
    hashes.set(unit.unitCid, sha256(new Uint8Array(await response.arrayBuffer())));
  });
  const answers: string[] = [];
  for (const q of QUERIES) {
    const result: SearchResult = await json(
      `${url}/api/search?q=${encodeURIComponent(q)}&limit=100`,
    );
    answers.push(JSON.stringify(result.hits.map((h) => [h.unit.unitCid, h.snippet])));
  }
  return { hashes, answers };
}

/**
 * The `backup` suite: a node with {@link UNITS} units (a pipeline run over them, a tenth moved
 * warm to S3 and a tenth cold to a folder) is backed up to an S3 tier; the backup's throughput
 * is set against AWS SDK uploads (`@aws-sdk/lib-storage`) of exactly the objects it wrote, as
 * many at once. Then the data folder is deleted and `cim restore` rebuilds it; its time is set
 * against the fresh ingest of the same files into an empty node (the target: at most twice
 * that). The restored node is checked as the acceptance asks: every unit byte-exact, every
 * chain verified, the same search answers, a backfill computing nothing. Sizes and times are
 * printed as RPO/RTO-style figures.
 */
export async function backupSuite(): Promise<{ figures: Figure[]; serverVersion: string }> {
  const s3 = await startTestS3();
  const dir = mkdtempSync(join(tmpdir(), 'cim-bench-backup-'));
  const data = join(dir, 'data');
  const warm = s3TierOf(s3, 'warm');
  const store = s3TierOf(s3, 'backup');
  const config = join(dir, 'cim.json');
  writeFileSync(
    config,
    JSON.stringify({
      storage: {
        tiers: {
          warm: { ...warm.tier, prefix: `${s3.config.prefix}warm/` },
          cold: { kind: 'folder', path: join(dir, 'cold') },
          backup: { ...store.tier, prefix: `${s3.config.prefix}backup/` },
        },
      },
    }),
  );
  const env = { ...warm.env, ...store.env };
  let node: CimUp | undefined;
  try {
    const files = join(dir, 'files');
    mkdirSync(files);
    for (let i = 0; i < UNITS; i++) {
      writeFileSync(
        join(files, `note-${i}.md`),
        `# Note ${i}\n\nMeeting minutes number ${i} with an agenda${i % 7 === 0 ? ' about quartz' : ''}, see https://example.org/n/${i}.\n${'Details of the meeting. '.repeat(i % 40)}\n`,
      );
    }
    node = await startCimUp(['--data', data, '--config', config], env);
    let url = node.ready.ui;
    const serverVersion = (await json<{ nats: { serverVersion: string } }>(`${url}/api/health`))
      .nats.serverVersion;
    note(`backup: fresh ingest of ${UNITS} files (the restore's baseline)`);
    const ingestStarted = performance.now();
    const ingested = await runCim(['ingest', files, '--json', '--concurrency', '16', '--url', url]);
    const ingestSeconds = (performance.now() - ingestStarted) / 1000;
    if (ingested.code !== 0) throw new Error(`ingest failed: ${ingested.stderr}`);
    const lines = ingested.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { contentCid: string });

    note('backup: the documents pipeline over every unit, then a tenth warm and a tenth cold');
    await cim(['pipeline', 'apply', EXAMPLE, '--url', url], {});
    await cim(['pipeline', 'run', 'documents', '--backfill', '--url', url], {});
    const share = Math.floor(UNITS * TIERED_SHARE);
    await timed(share * 2, 8, (i) =>
      json(`${url}/api/storage/tier`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ cid: lines[i]!.contentCid, to: i < share ? 'warm' : 'cold' }),
      }),
    );
    const before = await snapshot(url);

    note('backup: cim backup --to backup');
    const { run } = await cim<{ run: BackupRun }>(['backup', '--to', 'backup', '--url', url], {});
    const backupSeconds = (Date.parse(run.finishedAt!) - Date.parse(run.startedAt)) / 1000;

    note('backup: raw AWS SDK uploads of the same objects');
    const client = s3.client();
    const objects: Uint8Array[] = [];
    for await (const page of paginateListObjectsV2(
      { client },
      { Bucket: s3.config.bucket, Prefix: `${s3.config.prefix}backup/content/` },
    )) {
      for (const o of page.Contents ?? []) {
        const got = await client.send(
          new GetObjectCommand({ Bucket: s3.config.bucket, Key: o.Key! }),
        );
        objects.push(await got.Body!.transformToByteArray());
      }
    }
    const rawBytes = objects.reduce((n, o) => n + o.length, 0);
    const rawSeconds = await timed(objects.length, CONCURRENCY, (i) =>
      new Upload({
        client,
        params: { Bucket: s3.config.bucket, Key: `${s3.config.prefix}raw/${i}`, Body: objects[i]! },
      }).done(),
    );

    note('backup: cim backup verify');
    const verifyStarted = performance.now();
    const verified = await cim<BackupVerifyReport>(
      ['backup', 'verify', '--from', 'backup', '--config', config],
      env,
    );
    const verifySeconds = (performance.now() - verifyStarted) / 1000;
    if (!verified.ok)
      throw new Error(`the backup does not verify: ${JSON.stringify(verified.problems)}`);

    note('backup: data folder deleted, cim restore');
    await node.stop();
    node = undefined;
    rmSync(data, { recursive: true, force: true });
    const restoreStarted = performance.now();
    const restored = await cim<RestoreReport>(
      ['restore', '--from', 'backup', '--data', data, '--config', config],
      env,
    );
    const restoreSeconds = (performance.now() - restoreStarted) / 1000;

    note('backup: the restored node checked against the original');
    node = await startCimUp(['--data', data, '--config', config], env);
    url = node.ready.ui;
    const events = await runCim(['events', 'verify', '--url', url]);
    if (events.code !== 0) throw new Error(`events verify: ${events.stdout}${events.stderr}`);
    const after = await snapshot(url);
    const differing = [...before.hashes].filter(([cid, h]) => after.hashes.get(cid) !== h).length;
    if (differing > 0 || after.hashes.size !== before.hashes.size) {
      throw new Error(
        `${differing} units differ after the restore (${after.hashes.size} of ${before.hashes.size} there)`,
      );
    }
    if (after.answers.join() !== before.answers.join()) throw new Error('search answers differ');
    const backfill = await cim<{ computedSteps: number }>(
      ['pipeline', 'run', 'documents', '--backfill', '--url', url],
      {},
    );
    if (backfill.computedSteps !== 0) {
      throw new Error(`a backfill after the restore computed ${backfill.computedSteps} steps`);
    }
    note(
      `backup: ${before.hashes.size} units byte-exact, ${restored.events} events verified, ${QUERIES.length} searches equal, backfill computed 0 steps`,
    );
    note(
      `backup: RPO/RTO — backup ${backupSeconds.toFixed(1)} s writing ${(run.bytes / 1e6).toFixed(1)} MB in ${run.objects} content objects + segments (${run.events} events, ${run.kvEntries} KV entries); verify ${verifySeconds.toFixed(1)} s; restore ${restoreSeconds.toFixed(1)} s (phases ${JSON.stringify(restored.phases)}; ${restored.objects} objects, ${(restored.bytes / 1e6).toFixed(1)} MB into hot, ${restored.tiered} left in warm/cold); fresh ingest ${ingestSeconds.toFixed(1)} s`,
    );
    return {
      figures: [
        figure(
          'backup-write',
          'MB/s',
          run.bytes / 1e6 / backupSeconds,
          `AWS SDK upload of the same ${objects.length} objects, ${CONCURRENCY} at once`,
          rawBytes / 1e6 / rawSeconds,
          0.7,
        ),
        figure(
          'restore',
          'units/s',
          UNITS / restoreSeconds,
          `fresh ingest of the same ${UNITS} files`,
          UNITS / ingestSeconds,
          0.5,
        ),
        figure('backup-seconds', 's', backupSeconds, null, null),
        figure('backup-bytes', 'MB', run.bytes / 1e6, null, null),
        figure('restore-seconds', 's', restoreSeconds, null, null),
        figure('verify-seconds', 's', verifySeconds, null, null),
      ],
      serverVersion,
    };
  } finally {
    await node?.stop();
    await s3.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
