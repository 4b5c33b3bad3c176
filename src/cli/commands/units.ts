import type {
  Lineage,
  SearchResult,
  Unit,
  UnitDetail,
  UnitHistory,
  UnitPage,
} from '../../api/schemas/index.js';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { callNode, nodeUrl, unreachable } from '../client.js';
import { errorFromProblem, printJson } from '../output.js';
import { authHeaders } from '../credentials.js';

interface ClientOptions {
  url?: string;
  json?: boolean;
}

interface FilterOptions {
  mediaType?: string;
  tag?: string;
  context?: string;
}

function filterParams(options: FilterOptions, params = new URLSearchParams()): URLSearchParams {
  if (options.mediaType !== undefined) params.set('mediaType', options.mediaType);
  if (options.tag !== undefined) params.set('tag', options.tag);
  if (options.context !== undefined) params.set('context', options.context);
  return params;
}

function line(u: Unit): string {
  const tags = u.tags.length > 0 ? `  [${u.tags.join(', ')}]` : '';
  return `${u.unitCid}  v${u.version}  ${u.mediaType.padEnd(24)} ${String(u.size).padStart(10)}  ${u.name}${tags}`;
}

/** `cim units ls`: latest versions, newest first. */
export async function ls(
  options: ClientOptions & FilterOptions & { limit?: string; cursor?: string },
): Promise<void> {
  const params = filterParams(options);
  params.set('limit', options.limit ?? '50');
  if (options.cursor !== undefined) params.set('cursor', options.cursor);
  const page = await callNode<UnitPage>(nodeUrl(options.url), `/api/units?${params}`);
  if (options.json) return printJson(page);
  for (const u of page.units) process.stdout.write(`${line(u)}\n`);
  if (page.next !== null) process.stdout.write(`(more: --cursor ${page.next})\n`);
}

/** `cim units show CID`. */
export async function show(cid: string, options: ClientOptions): Promise<void> {
  const result = await callNode<UnitDetail>(
    nodeUrl(options.url),
    `/api/units/${encodeURIComponent(cid)}`,
  );
  if (options.json) return printJson(result);
  const u = result.unit;
  const rows: [string, string][] = [
    ['unit', u.unitCid],
    ['content', u.content],
    ['name', u.name],
    ['media type', u.mediaType],
    ['size', `${u.size} bytes`],
    ['source', u.source],
    ['created', u.createdAt],
    ['tags', u.tags.join(', ') || '-'],
    ['context', u.context ?? '-'],
    ['version', `${u.version} of ${result.versions.length}${u.latest ? ' (latest)' : ''}`],
    ['previous', u.previous ?? '-'],
    ['derived from', u.derivedFrom.join(', ') || '-'],
  ];
  process.stdout.write(rows.map(([k, v]) => `${k.padEnd(13)} ${v}`).join('\n') + '\n');
}

/** `cim units cat CID`: the exact bytes, verified by the node, to stdout. */
export async function cat(cid: string, options: ClientOptions): Promise<void> {
  const base = nodeUrl(options.url);
  let response: Response;
  try {
    response = await fetch(`${base}/api/units/${encodeURIComponent(cid)}/content`, {
      headers: authHeaders(base),
    });
  } catch (err) {
    throw unreachable(base, err);
  }
  if (!response.ok || !response.body) {
    throw errorFromProblem(
      (await response.json().catch(() => ({}))) as Record<string, string>,
      response.status,
    );
  }
  await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), process.stdout);
}

/** `cim units history CID`: every version of the document, oldest first. */
export async function history(cid: string, options: ClientOptions): Promise<void> {
  const result = await callNode<UnitHistory>(
    nodeUrl(options.url),
    `/api/units/${encodeURIComponent(cid)}/history`,
  );
  if (options.json) return printJson(result);
  for (const u of result.versions) process.stdout.write(`${u.createdAt}  ${line(u)}\n`);
}

/** `cim units lineage CID`: ancestors and descendants. */
export async function lineage(cid: string, options: ClientOptions): Promise<void> {
  const result = await callNode<Lineage>(
    nodeUrl(options.url),
    `/api/units/${encodeURIComponent(cid)}/lineage`,
  );
  if (options.json) return printJson(result);
  process.stdout.write(`${line(result.unit)}\n`);
  process.stdout.write(
    `ancestors (${result.ancestors.length}):\n${result.ancestors.map((u) => `  ${line(u)}\n`).join('')}`,
  );
  process.stdout.write(
    `descendants (${result.descendants.length}):\n${result.descendants.map((u) => `  ${line(u)}\n`).join('')}`,
  );
}

/** `cim search QUERY`: ranked hits with snippets. */
export async function search(
  query: string,
  options: ClientOptions & FilterOptions & { limit?: string },
): Promise<void> {
  const params = filterParams(options);
  params.set('q', query);
  params.set('limit', options.limit ?? '20');
  const result = await callNode<SearchResult>(nodeUrl(options.url), `/api/search?${params}`);
  if (options.json) return printJson(result);
  if (result.hits.length === 0) process.stdout.write(`No units match ${JSON.stringify(query)}.\n`);
  for (const hit of result.hits) {
    process.stdout.write(`${line(hit.unit)}\n    ${hit.snippet.replace(/\s+/g, ' ').trim()}\n`);
  }
}
