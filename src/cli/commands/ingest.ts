import cliProgress from 'cli-progress';
import { InvalidInputError, toCimError } from '../../core/errors.js';
import { callNode, nodeUrl } from '../client.js';
import { printJson } from '../output.js';
import { walk } from '../walk.js';
import type { WalkEntry } from '../walk.js';
import type { IngestLine, IngestOptions } from './ingest-upload.js';
import { planUploads, uploadBatch, uploadOne } from './ingest-upload.js';

/**
 * `cim ingest PATH…`: files, folders (recursively) or `-` for stdin, several at a time, one line
 * per unit (JSON lines with --json), a progress bar on a terminal and a summary at the end.
 * Exit code 1 when some input failed; the others are stored.
 */
export async function ingest(paths: string[], options: IngestOptions): Promise<void> {
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
  // Noted before the progress bar takes the terminal's last line.
  let skipped = 0;
  for (const entry of entries) {
    if (entry.kind !== 'skipped') continue;
    skipped++;
    process.stderr.write(`cim ingest: skipped ${entry.reason}.\n`);
  }
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
  for (const entry of entries) {
    if (entry.kind === 'error') emit({ path: entry.path, status: 'error', error: entry.error });
  }
  const jobs = planUploads(entries.filter((e) => e.kind === 'file' || e.kind === 'stdin'));
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const paths = job.kind === 'batch' ? job.files.map((f) => f.path) : [job.entry.path];
      try {
        const done =
          job.kind === 'batch'
            ? await uploadBatch(base, job.files, options, onBytes)
            : [await uploadOne(base, job.entry, options, onBytes)];
        for (const line of done) emit(line);
      } catch (err) {
        const error = toCimError(err).message;
        for (const path of paths) emit({ path, status: 'error', error });
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(concurrency, Math.max(1, jobs.length)) }, worker),
  );
  bar?.stop();
  const seconds = (Date.now() - started) / 1000;
  const summary = `Ingested ${files} input(s) in ${seconds.toFixed(1)} s: ${counts.stored} stored, ${counts.deduplicated} deduplicated, ${counts.error} failed${skipped > 0 ? `, ${skipped} linked folder(s) skipped` : ''} (${(totalBytes / 1e6).toFixed(1)} MB).`;
  process.stderr.write(`${summary}\n`);
  if (counts.error > 0) process.exitCode = 1;
}
