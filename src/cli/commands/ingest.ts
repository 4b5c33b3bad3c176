import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import cliProgress from 'cli-progress';
import { InvalidInputError, toCimError } from '../../core/errors.js';
import { contentCid } from '../../core/cid.js';
import { hashFile } from '../../units/spool.js';
import { callNode, nodeUrl } from '../client.js';
import { errorFromProblem, printJson } from '../output.js';
import { walk } from '../walk.js';
import type { WalkEntry } from '../walk.js';

/** One line of `cim ingest` output (CONTRACT.md). */
interface IngestLine {
  path: string;
  unitCid?: string;
  contentCid?: string;
  size?: number;
  mediaType?: string;
  status: 'stored' | 'deduplicated' | 'error';
  error?: string;
}

/** Files up to this size are read into memory and sent in one request. */
const SMALL_FILE_BYTES = 1024 * 1024;

interface Options {
  url?: string;
  json?: boolean;
  tag?: string[];
  context?: string;
  concurrency?: string;
}

/** Ingests one file: hash locally, skip the upload when the node holds the bytes, else stream them. */
async function ingestFile(
  base: string,
  entry: Extract<WalkEntry, { kind: 'file' | 'stdin' }>,
  options: Options,
  onBytes: (n: number) => void,
): Promise<IngestLine> {
  const params = new URLSearchParams();
  for (const tag of options.tag ?? []) params.append('tag', tag);
  if (options.context !== undefined) params.set('context', options.context);
  let body: ReadableStream<Uint8Array> | undefined;
  if (entry.kind === 'stdin') {
    params.set('name', 'stdin');
    params.set('source', `stdin:${new Date().toISOString()}`);
    body = Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>;
  } else if (entry.size <= SMALL_FILE_BYTES) {
    // Small files are read once and sent whole: asking first whether the node holds them would
    // cost a round trip as long as the upload, and the node deduplicates anyway.
    const bytes = await readFile(entry.path);
    params.set('name', entry.path.split('/').pop() ?? entry.path);
    params.set('source', `file://${entry.path}`);
    params.set('cid', contentCid(bytes).toString());
    params.set('size', String(bytes.byteLength));
    body = new Blob([bytes]).stream();
    onBytes(bytes.byteLength);
  } else {
    const hashed = await hashFile(entry.path, Number.MAX_SAFE_INTEGER);
    params.set('name', entry.path.split('/').pop() ?? entry.path);
    params.set('source', `file://${entry.path}`);
    params.set('cid', hashed.cid);
    params.set('size', String(hashed.size));
    const held = await fetch(`${base}/api/content/${hashed.cid}`, { method: 'HEAD' });
    if (held.status !== 200) {
      const stream = createReadStream(entry.path, { highWaterMark: 1024 * 1024 });
      stream.on('data', (chunk) => onBytes((chunk as Buffer).byteLength));
      body = Readable.toWeb(stream) as ReadableStream<Uint8Array>;
    } else onBytes(hashed.size);
  }
  const response = await fetch(`${base}/api/units?${params}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    ...(body !== undefined ? { body, duplex: 'half' } : {}),
  } as RequestInit);
  const result = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw errorFromProblem(result as Record<string, string>, response.status);
  return {
    path: entry.path,
    unitCid: result['unitCid'] as string,
    contentCid: result['contentCid'] as string,
    size: result['size'] as number,
    mediaType: result['mediaType'] as string,
    status: result['status'] as 'stored' | 'deduplicated',
  };
}

/**
 * `cim ingest PATH…`: files, folders (recursively) or `-` for stdin, several at a time, one line
 * per unit (JSON lines with --json), a progress bar on a terminal and a summary at the end.
 * Exit code 1 when some input failed; the others are stored.
 */
export async function ingest(paths: string[], options: Options): Promise<void> {
  const base = nodeUrl(options.url);
  const concurrency = options.concurrency === undefined ? 4 : Number(options.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new InvalidInputError(
      `--concurrency must be a whole number from 1 to 64, not ${JSON.stringify(options.concurrency)}.`,
    );
  }
  if (paths.filter((p) => p === '-').length > 1)
    throw new InvalidInputError('Standard input (-) can be given only once.');
  await callNode(base, '/api/health');
  const entries: WalkEntry[] = [];
  for await (const entry of walk(paths)) entries.push(entry);
  const totalBytes = entries.reduce((sum, e) => sum + (e.kind === 'file' ? e.size : 0), 0);
  const bar =
    process.stderr.isTTY && !options.json
      ? new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format:
              '{bar} {percentage}% | {value}/{total} bytes | {speed} MB/s | ETA {eta_formatted} | {files} files',
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  const started = Date.now();
  let done = 0;
  let files = 0;
  bar?.start(totalBytes, 0, { speed: '0.0', files: 0 });
  const onBytes = (n: number) => {
    done += n;
    bar?.update(done, {
      speed: (done / 1e6 / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(1),
      files,
    });
  };
  const counts = { stored: 0, deduplicated: 0, error: 0 };
  const emit = (line: IngestLine) => {
    counts[line.status]++;
    files++;
    if (options.json) printJson(line);
    else {
      const text =
        line.status === 'error'
          ? `error         ${line.path}: ${line.error}`
          : `${line.status.padEnd(13)} ${line.unitCid}  ${line.path}`;
      if (bar) bar.stop();
      process.stdout.write(`${text}\n`);
      if (bar) bar.start(totalBytes, done, { files });
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const entry = entries[next++]!;
      if (entry.kind === 'error') {
        emit({ path: entry.path, status: 'error', error: entry.error });
        continue;
      }
      try {
        emit(await ingestFile(base, entry, options, onBytes));
      } catch (err) {
        emit({ path: entry.path, status: 'error', error: toCimError(err).message });
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(concurrency, Math.max(1, entries.length)) }, worker),
  );
  bar?.stop();
  const seconds = (Date.now() - started) / 1000;
  const summary = `Ingested ${files} input(s) in ${seconds.toFixed(1)} s: ${counts.stored} stored, ${counts.deduplicated} deduplicated, ${counts.error} failed (${(totalBytes / 1e6).toFixed(1)} MB).`;
  process.stderr.write(`${summary}\n`);
  if (counts.error > 0) process.exitCode = 1;
}
