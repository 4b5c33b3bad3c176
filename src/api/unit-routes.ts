import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import { isContentCid, parseCid } from '../core/cid.js';
import { InvalidInputError, NotFoundError } from '../core/errors.js';
import { ingestParts, multipartLimits } from './multipart-upload.js';
import { contentDisposition, contentType } from './content-headers.js';
import { CONTENT_CSP } from './security-headers.js';
import type { UnitAccess } from './unit-access.js';
import { actorOf } from './operation.js';
import type { CallContext } from './operation.js';
import { parseInput } from './problem.js';
import { ingestQuerySchema } from './schemas/units.js';

/** Parses `bytes=a-b` against a size; undefined for no/unsatisfiable ranges (served whole/416). */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

async function* slice(
  stream: AsyncIterable<Uint8Array>,
  start: number,
  end: number,
): AsyncGenerator<Uint8Array> {
  let offset = 0;
  for await (const chunk of stream) {
    const chunkEnd = offset + chunk.byteLength;
    if (chunkEnd > start && offset <= end) {
      yield chunk.subarray(
        Math.max(0, start - offset),
        Math.min(chunk.byteLength, end - offset + 1),
      );
    }
    offset = chunkEnd;
    if (offset > end) return;
  }
}

/** The refusal of a path parameter that is not a CID, without echoing it into a header. */
function notACid(text: string, what: 'content' | 'unit'): InvalidInputError {
  return new InvalidInputError(
    `${JSON.stringify(text.slice(0, 80))} is not a ${what} CID: give the CID as cim units ls shows it.`,
  );
}

/**
 * Routes that move bytes and so do not fit the JSON operations: uploads (`POST /api/units`, a raw
 * body or multipart/form-data with one or many files, streamed, never buffered whole), content downloads with Range, and `HEAD
 * /api/content/{cid}` so clients can skip uploading what the node already holds.
 */
export function registerUnitRoutes(
  app: FastifyInstance,
  units: UnitAccess,
  send: (reply: FastifyReply, err: unknown, url: string) => FastifyReply,
  maxUploadFiles: number,
  callOf: (request: FastifyRequest) => CallContext,
): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    const limits = multipartLimits(maxUploadFiles);
    await scope.register(multipart, { limits });
    scope.post('/api/units', async (request, reply) => {
      try {
        const call = callOf(request);
        const actor = actorOf(call);
        const query = parseInput(ingestQuerySchema, request.query, 'POST /api/units');
        const tags =
          query.tag === undefined ? [] : Array.isArray(query.tag) ? query.tag : [query.tag];
        if (request.isMultipart()) {
          const items = await ingestParts(
            request,
            units,
            { tags, context: query.context ?? null, actor },
            limits,
          );
          const last = items.reduce<{ unitCid: string; position: number } | undefined>(
            (best, i) =>
              'position' in i && (best === undefined || i.position > best.position) ? i : best,
            undefined,
          );
          if (last) await units.waitFor(last.unitCid, last.position, query.wait, call);
          const failed = items.some((i) => i.status === 'error');
          return reply.status(failed ? 207 : 201).send({ units: items });
        }
        if (query.name === undefined) {
          throw new InvalidInputError(
            'A raw upload needs ?name=: give the file name in the query string, or send multipart/form-data.',
          );
        }
        const body = (request.body as Readable | undefined) ?? (async function* () {})();
        const result = await units.service.ingest(
          {
            name: query.name,
            source: query.source ?? `upload:${query.name}`,
            tags,
            context: query.context ?? null,
            actor,
            ...(query.cid !== undefined ? { contentCid: query.cid } : {}),
            ...(query.size !== undefined ? { size: query.size } : {}),
          },
          body as AsyncIterable<Uint8Array>,
        );
        await units.waitFor(result.unitCid, result.position, query.wait, call);
        return reply.status(201).send(result);
      } catch (err) {
        return send(reply, err, request.url);
      }
    });
  });

  app.head('/api/content/:cid', async (request, reply) => {
    const { cid } = request.params as { cid: string };
    try {
      if (!isContentCid(cid)) throw notACid(cid, 'content');
      return reply.status((await units.holds(cid)) ? 200 : 404).send();
    } catch (err) {
      return send(reply, err, request.url);
    }
  });

  app.get('/api/units/:cid/content', async (request, reply) => {
    const { cid } = request.params as { cid: string };
    try {
      if (parseCid(cid) === undefined) throw notACid(cid, 'unit');
      const unit = await units.unit(cid, callOf(request));
      if (!unit)
        throw new NotFoundError(
          `There is no unit ${cid}: check the CID (cim units ls lists them).`,
        );
      const found = await units.find(unit.content);
      if (!found)
        throw new NotFoundError(`The content ${unit.content} of unit ${cid} is not in any tier.`);
      units.served(unit.content, found.tier);
      const content = found.content;
      const range = parseRange(request.headers.range, content.size);
      const download = (request.query as { download?: string }).download !== undefined;
      reply
        .header('accept-ranges', 'bytes')
        .header('content-type', contentType(unit.mediaType))
        .header('etag', `"${unit.content}"`)
        .header('x-content-type-options', 'nosniff');
      // PDFs are exempt from the sandbox because Chromium will not show a PDF under one, and its
      // viewer does not run the document's script in this origin.
      if (unit.mediaType !== 'application/pdf')
        reply.header('content-security-policy', CONTENT_CSP);
      reply.header('content-disposition', contentDisposition(unit.name, download));
      if (range === 'unsatisfiable') {
        return reply.status(416).header('content-range', `bytes */${content.size}`).send();
      }
      if (range === undefined) {
        return reply.header('content-length', content.size).send(Readable.from(content.stream()));
      }
      return reply
        .status(206)
        .header('content-range', `bytes ${range.start}-${range.end}/${content.size}`)
        .header('content-length', range.end - range.start + 1)
        .send(Readable.from(slice(content.stream(), range.start, range.end)));
    } catch (err) {
      return send(reply, err, request.url);
    }
  });
}
