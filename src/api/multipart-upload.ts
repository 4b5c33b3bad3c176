import type { FastifyRequest } from 'fastify';
import type { Multipart } from '@fastify/multipart';
import type { Readable } from 'node:stream';
import { InvalidInputError } from '../core/errors.js';
import type { IngestResult } from '../units/unit-service.js';
import type { UnitAccess } from './unit-access.js';
import type { Problem } from './problem.js';
import { toProblem } from './problem.js';

/** What busboy is told to stop at. */
export interface MultipartLimits {
  readonly files: number;
  readonly fields: number;
  readonly parts: number;
  readonly fieldSize: number;
  readonly fieldNameSize: number;
  readonly headerPairs: number;
  readonly fileSize: number;
}

/**
 * Limits on one multipart request (`http.maxUploadFiles` files, each with a few fields); content
 * size is limited by the unit service (`units.maxContentBytes`).
 */
export function multipartLimits(files: number): MultipartLimits {
  return {
    files,
    fields: files * 10,
    parts: files * 11,
    fieldSize: 16 * 1024,
    fieldNameSize: 100,
    headerPairs: 20,
    fileSize: Number.MAX_SAFE_INTEGER,
  };
}

/** Fields that describe the next file part; they apply to that file only. */
const PER_FILE_FIELDS = new Set(['name', 'source', 'cid', 'size']);

/** What applies to every file of the request (from the query string). */
export interface UploadDefaults {
  readonly tags: readonly string[];
  readonly context: string | null;
  /** Who uploads: the signed-in caller, recorded as each unit's event actor. */
  readonly actor: string;
}

/** The outcome for one file part. */
export type UploadItem =
  | (IngestResult & { readonly name: string })
  | { readonly name: string; readonly status: 'error'; readonly error: Problem };

function isLimitError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT';
}

/**
 * busboy's errors for a body that is not the multipart its header announces. They carry no code,
 * only these messages (@fastify/busboy 3; src/api/multipart-upload.int.test.ts sends both kinds),
 * and they are the client's fault: a 400 saying what to send, not a 500.
 */
const MALFORMED_BODY: readonly { readonly message: RegExp; readonly detail: string }[] = [
  {
    message: /^Multipart: Boundary not found$/,
    detail:
      'The multipart upload names no boundary: send Content-Type: multipart/form-data; boundary=… as form libraries and curl -F do.',
  },
  {
    message: /unexpected end of multipart data$/i,
    detail:
      'The multipart upload ended before its closing boundary (the body was cut short): send it again whole.',
  },
];

/** The refusal for a malformed multipart body, or undefined for any other error. */
function malformedBody(err: unknown): InvalidInputError | undefined {
  const message = err instanceof Error ? err.message : '';
  const known = MALFORMED_BODY.find((entry) => entry.message.test(message));
  return known === undefined ? undefined : new InvalidInputError(known.detail, { cause: err });
}

/** Parts declared at most this large are read whole and ingested while the next ones arrive. */
const BUFFERED_PART_BYTES = 1024 * 1024;
/** Small parts of one request ingested at once. */
const PARALLEL_PARTS = 8;

/** A part's bytes, refusing more than `limit` (a part larger than it said it was). */
async function readWhole(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).byteLength;
    if (total > limit) {
      throw new InvalidInputError(
        `A file part is larger than its declared size: send its real size, or send it on its own.`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function drain(stream: Readable): Promise<void> {
  try {
    for await (const _chunk of stream) {
      // Discard what was sent for a file that was refused, so the next part can be read.
    }
  } catch {
    // The request itself failing is reported by the parts iterator.
  }
}

/**
 * Ingests every file part of a `multipart/form-data` upload, in order, each streamed straight
 * into the unit service. Fields `name`, `source`, `cid` and `size` sent before a file describe
 * that file; a file that fails is reported in its item and the others go on.
 */
export async function ingestParts(
  request: FastifyRequest,
  units: UnitAccess,
  defaults: UploadDefaults,
  limits: MultipartLimits,
): Promise<UploadItem[]> {
  // Filled in order of the parts; a slot stays empty only while its ingest runs.
  const items: (UploadItem | undefined)[] = [];
  const inFlight = new Set<Promise<void>>();
  let fields: Record<string, string> = {};
  const parts = request.parts()[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Multipart>;
    try {
      next = await parts.next();
    } catch (err) {
      const malformed = malformedBody(err);
      if (malformed !== undefined) {
        // The parts before it settle first, so a client that sends the body again sees them done.
        await Promise.all(inFlight);
        throw malformed;
      }
      if (!isLimitError(err)) throw err;
      // What came before the limit is stored; the rest is reported, not silently dropped.
      items.push({
        name: '(the files after the limit)',
        status: 'error',
        error: toProblem(
          new InvalidInputError(
            `A multipart upload may hold at most ${limits.files} files and ${limits.fields} fields: send the rest in another request.`,
            { cause: err },
          ),
        ),
      });
      break;
    }
    if (next.done) break;
    const part = next.value;
    if (part.type === 'field') {
      if (!PER_FILE_FIELDS.has(part.fieldname)) {
        throw new InvalidInputError(
          `The multipart field ${JSON.stringify(part.fieldname)} is not known: use name, source, cid or size before a file, and the query string for tag and context.`,
        );
      }
      if (part.valueTruncated) {
        throw new InvalidInputError(
          `The multipart field ${part.fieldname} is longer than ${limits.fieldSize} bytes.`,
        );
      }
      fields[part.fieldname] = String(part.value);
      continue;
    }
    const name = fields['name'] ?? part.filename;
    const described = fields;
    fields = {};
    const index = items.length;
    items.push(undefined);
    const fail = (err: unknown) => {
      items[index] = { name: name || '(unnamed)', status: 'error', error: toProblem(err) };
    };
    try {
      if (!name) throw new InvalidInputError('A file part needs a filename or a name field.');
      const size = described['size'] === undefined ? undefined : Number(described['size']);
      const meta = {
        name,
        source: described['source'] ?? `upload:${name}`,
        tags: defaults.tags,
        context: defaults.context,
        actor: defaults.actor,
        ...(described['cid'] !== undefined ? { contentCid: described['cid'] } : {}),
        ...(size !== undefined ? { size } : {}),
      };
      if (size === undefined || size > BUFFERED_PART_BYTES) {
        // Large or unsized: streamed straight into the store, one at a time.
        items[index] = { ...(await units.service.ingest(meta, part.file)), name };
        continue;
      }
      // A small part is read whole, and its ingest (storage, event) overlaps reading the next
      // parts: one at a time, a request's latency was the sum of its files' round trips.
      const bytes = await readWhole(part.file, BUFFERED_PART_BYTES);
      while (inFlight.size >= PARALLEL_PARTS) await Promise.race(inFlight);
      const work: Promise<void> = units.service
        .ingest(
          meta,
          (async function* () {
            yield bytes;
          })(),
        )
        .then((result) => {
          items[index] = { ...result, name };
        }, fail)
        .finally(() => inFlight.delete(work));
      inFlight.add(work);
    } catch (err) {
      await drain(part.file);
      fail(err);
    }
  }
  await Promise.all(inFlight);
  if (items.length === 0) {
    throw new InvalidInputError('The multipart upload holds no file part: add at least one file.');
  }
  return items.filter((item): item is UploadItem => item !== undefined);
}
