import type { IngestResult, UploadReply } from '../../api/schemas/index.js';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { contentCid } from '../../core/cid.js';
import { toCimError } from '../../core/errors.js';
import { hashFile } from '../../units/spool.js';
import { errorFromProblem } from '../output.js';
import type { WalkEntry } from '../walk.js';
import { fileStream } from '../../units/file-stream.js';
import { encodeMultipart } from '../multipart-body.js';
import type { FormPart } from '../multipart-body.js';
import { authHeaders } from '../credentials.js';

/** One line of `cim ingest` output (CONTRACT.md). */
export interface IngestLine {
  path: string;
  unitCid?: string;
  contentCid?: string;
  size?: number;
  mediaType?: string;
  status: 'stored' | 'deduplicated' | 'error';
  error?: string;
}

/** The options of `cim ingest` that shape uploads. */
export interface IngestOptions {
  url?: string;
  json?: boolean;
  tag?: string[];
  context?: string;
  concurrency?: string;
}

type FileEntry = Extract<WalkEntry, { kind: 'file' }>;
type Upload = Extract<WalkEntry, { kind: 'file' | 'stdin' }>;

/** Files up to this size travel together, several to a multipart request. */
const SMALL_FILE_BYTES = 1024 * 1024;
const BATCH_FILES = 64;
const BATCH_BYTES = 8 * 1024 * 1024;

/** Work for one upload worker: a batch of small files, or one large file or stdin. */
export type UploadJob =
  | { readonly kind: 'batch'; readonly files: readonly FileEntry[] }
  | { readonly kind: 'single'; readonly entry: Upload };

/** Groups small files into batches; large files and stdin go alone. */
export function planUploads(entries: readonly Upload[]): UploadJob[] {
  const jobs: UploadJob[] = [];
  let batch: FileEntry[] = [];
  let batchBytes = 0;
  const close = () => {
    if (batch.length > 0) jobs.push({ kind: 'batch', files: batch });
    batch = [];
    batchBytes = 0;
  };
  for (const entry of entries) {
    if (entry.kind !== 'file' || entry.size > SMALL_FILE_BYTES) {
      jobs.push({ kind: 'single', entry });
      continue;
    }
    if (batch.length >= BATCH_FILES || batchBytes + entry.size > BATCH_BYTES) close();
    batch.push(entry);
    batchBytes += entry.size;
  }
  close();
  return jobs;
}

function commonParams(options: IngestOptions): URLSearchParams {
  const params = new URLSearchParams();
  for (const tag of options.tag ?? []) params.append('tag', tag);
  if (options.context !== undefined) params.set('context', options.context);
  return params;
}

const baseName = (path: string) => path.split('/').pop() ?? path;

function lineOf(path: string, result: IngestResult): IngestLine {
  return {
    path,
    unitCid: result.unitCid,
    contentCid: result.contentCid,
    size: result.size,
    mediaType: result.mediaType,
    status: result.status,
  };
}

/**
 * Uploads a batch of small files in one multipart request, each read once and described by its
 * CID; the node answers per file, so one bad file does not fail the others.
 */
export async function uploadBatch(
  base: string,
  files: readonly FileEntry[],
  options: IngestOptions,
  onBytes: (n: number) => void,
): Promise<IngestLine[]> {
  const lines: IngestLine[] = [];
  const sent: FileEntry[] = [];
  const parts: FormPart[] = [];
  for (const file of files) {
    let bytes: Buffer;
    try {
      // Synchronous: a small file is read faster than a promise round trip through the thread
      // pool, and the batch is small by construction.
      bytes = readFileSync(file.path);
    } catch (err) {
      lines.push({ path: file.path, status: 'error', error: toCimError(err).message });
      continue;
    }
    parts.push(
      { name: 'source', value: `file://${file.path}` },
      { name: 'cid', value: contentCid(bytes).toString() },
      { name: 'size', value: String(bytes.byteLength) },
      { name: 'file', filename: baseName(file.path), bytes },
    );
    sent.push(file);
  }
  if (sent.length === 0) return lines;
  const params = commonParams(options);
  // The node waits for its catalog once per request rather than once per file. Encoded in one
  // go and sent as one buffer: streaming the form part by part cost more CPU than everything
  // else the CLI does per file, and a batch is small by construction.
  const { body, contentType } = encodeMultipart(parts);
  const response = await fetch(`${base}/api/units?${params}`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...authHeaders(base) },
    body,
  });
  const result = (await response.json()) as Record<string, unknown>;
  if (response.status !== 201 && response.status !== 207) {
    throw errorFromProblem(result as Record<string, string>, response.status);
  }
  const items = (result as UploadReply).units;
  sent.forEach((file, i) => {
    const item = items[i];
    if (item === undefined || item.status === 'error') {
      lines.push({ path: file.path, status: 'error', error: item?.error.detail ?? 'refused' });
    } else lines.push(lineOf(file.path, item));
    onBytes(file.size);
  });
  return lines;
}

/** Uploads one file or stdin: a large file is hashed first and not sent when the node holds it. */
export async function uploadOne(
  base: string,
  entry: Upload,
  options: IngestOptions,
  onBytes: (n: number) => void,
): Promise<IngestLine> {
  const params = commonParams(options);
  let body: ReadableStream<Uint8Array> | undefined;
  if (entry.kind === 'stdin') {
    params.set('name', 'stdin');
    params.set('source', `stdin:${new Date().toISOString()}`);
    body = Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>;
  } else {
    const hashed = await hashFile(entry.path, Number.MAX_SAFE_INTEGER);
    params.set('name', baseName(entry.path));
    params.set('source', `file://${entry.path}`);
    params.set('cid', hashed.cid);
    params.set('size', String(hashed.size));
    const held = await fetch(`${base}/api/content/${hashed.cid}`, {
      method: 'HEAD',
      headers: authHeaders(base),
    });
    if (held.status !== 200) body = await fileStream(entry.path, onBytes);
    else onBytes(hashed.size);
  }
  const response = await fetch(`${base}/api/units?${params}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', ...authHeaders(base) },
    ...(body !== undefined ? { body, duplex: 'half' } : {}),
  } as RequestInit);
  const result = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw errorFromProblem(result as Record<string, string>, response.status);
  return lineOf(entry.path, result as IngestResult);
}
