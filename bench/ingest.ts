import { randomFillSync } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Objm, setSha256Backend } from '@nats-io/obj';
import { runCim, startCimUp } from '../src/testing/cli.js';
import type { Figure } from './harness.js';
import { figure, note, startBenchNats, timed } from './harness.js';
import { fileStream } from '../src/units/file-stream.js';
import { authOverhead } from './auth-overhead.js';

const LARGE_BYTES = 512 * 1024 * 1024;
const SMALL_FILES = 10_000;
const SMALL_BYTES = 4_096;
const CONCURRENCY = 16;
const WARM_FILES = 2_000;

/** Writes `bytes` of random data (no two files alike, so nothing deduplicates). */
function writeRandomFile(path: string, bytes: number): void {
  const block = Buffer.alloc(Math.min(bytes, 8 * 1024 * 1024));
  const fd = openSync(path, 'w');
  try {
    for (let written = 0; written < bytes; written += block.length) {
      randomFillSync(block);
      writeSync(fd, block, 0, Math.min(block.length, bytes - written));
    }
  } finally {
    closeSync(fd);
  }
}

const VOCABULARY = Array.from({ length: 20_000 }, (_, i) => `w${i.toString(36)}`);

/**
 * `bytes` of text in words with a Zipf-like frequency, as notes and documents have: what the
 * search index sees matters, and random bytes would make every token unique.
 */
function prose(bytes: number): string {
  let text = '';
  while (text.length < bytes) {
    text += `${VOCABULARY[Math.floor(VOCABULARY.length ** Math.random()) - 1]!} `;
  }
  return text.slice(0, bytes);
}

/** Seconds taken by `cim ARGS…`, which must succeed with every line `stored`. */
async function timedCim(args: string[], expectLines: number): Promise<number> {
  const started = process.hrtime.bigint();
  const result = await runCim(args);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const lines = result.stdout.trim().split('\n').filter(Boolean);
  const stored = lines.filter((l) => (JSON.parse(l) as { status: string }).status === 'stored');
  if (result.code !== 0 || stored.length !== expectLines) {
    throw new Error(
      `cim ${args[0]} stored ${stored.length} of ${expectLines} (exit ${result.code}): ${result.stderr}`,
    );
  }
  return seconds;
}

/**
 * The `ingest` suite: `cim ingest` (CLI, HTTP, hashing, object store, UnitIngested event,
 * catalog) as a user runs it, against raw object-store puts of the same bytes on the same server,
 * whose JetStream sync policy is `sync`.
 */
export async function ingestSuite(
  sync: string,
): Promise<{ figures: Figure[]; serverVersion: string }> {
  const nats = await startBenchNats(sync);
  const dir = mkdtempSync(join(tmpdir(), 'cim-bench-ingest-'));
  const node = await startCimUp(['--nats', nats.url, '--data', join(dir, 'data')]);
  let figures: Figure[];
  try {
    const url = node.ready.ui;
    // The object store's own digest with Node's native SHA-256, as CIM's content store sets it:
    // its default JavaScript hash would hold the baseline to a quarter of its speed.
    setSha256Backend('native');
    const raw = await new Objm(nats.nc).create('bench-raw');

    note(`ingest-large: writing a ${LARGE_BYTES / 1024 / 1024} MiB file`);
    const large = join(dir, 'large.bin');
    writeRandomFile(large, LARGE_BYTES);
    note('ingest-large: raw object store put of the file');
    const rawLarge = await timed(1, 1, async () =>
      raw.put({ name: 'large' }, await fileStream(large)),
    );
    note('ingest-large: cim ingest of the file');
    const cimLarge = await timedCim(['ingest', large, '--json', '--url', url], 1);
    const mb = LARGE_BYTES / 1e6;
    const ingestLarge = figure(
      'ingest-large',
      'MB/s',
      mb / cimLarge,
      'object store put of the same file',
      mb / rawLarge,
      0.8,
    );
    rmSync(large);

    note(`ingest-small: writing ${SMALL_FILES} files of ${SMALL_BYTES} bytes`);
    const smallDir = join(dir, 'small');
    const warmDir = join(dir, 'warm');
    mkdirSync(smallDir);
    mkdirSync(warmDir);
    const names: string[] = [];
    for (let i = 0; i < SMALL_FILES; i++) {
      const name = join(smallDir, `note-${i}.txt`);
      writeFileSync(name, prose(SMALL_BYTES));
      names.push(name);
    }
    const warm: string[] = [];
    for (let i = 0; i < WARM_FILES; i++) {
      const name = join(warmDir, `warm-${i}.txt`);
      writeFileSync(name, prose(SMALL_BYTES));
      warm.push(name);
    }
    // Both sides warm up on other files first, as the events suite does: the figure is the
    // steady rate, not the first seconds of a freshly started process.
    note(`ingest-small: warming up both sides with ${WARM_FILES} other files`);
    await timed(WARM_FILES, CONCURRENCY, async (i) => {
      await raw.putBlob({ name: `warm-${i}` }, await readFile(warm[i]!));
    });
    await timedCim(
      ['ingest', warmDir, '--json', '--concurrency', String(CONCURRENCY), '--url', url],
      WARM_FILES,
    );
    note(`ingest-small: raw object store puts, ${CONCURRENCY} at once`);
    const rawSmall = await timed(SMALL_FILES, CONCURRENCY, async (i) => {
      const bytes = await readFile(names[i]!);
      await raw.putBlob({ name: `small-${i}` }, bytes);
    });
    note(`ingest-small: cim ingest of the folder, --concurrency ${CONCURRENCY}`);
    const cimSmall = await timedCim(
      ['ingest', smallDir, '--json', '--concurrency', String(CONCURRENCY), '--url', url],
      SMALL_FILES,
    );
    const ingestSmall = figure(
      'ingest-small',
      'files/s',
      SMALL_FILES / cimSmall,
      `object store putBlob, ${CONCURRENCY} at once`,
      SMALL_FILES / rawSmall,
      0.4,
    );
    figures = [ingestLarge, ingestSmall];
  } finally {
    await node.stop();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  // On a server of its own, after the rest: small uploads with and without sign-in.
  figures.push(await authOverhead('ingest', sync));
  return { figures, serverVersion: nats.serverVersion };
}
