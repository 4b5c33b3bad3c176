import { z } from 'zod';
import { fetchLimitsShape } from '../http/fetch-limits.js';
import { httpUrlSchema } from '../http/check-settings.js';

/** Settings of a `web` connector, with their defaults. */
export const webSettingsSchema = z.strictObject({
  /** The page fetched on each poll, or where a crawl starts. */
  url: httpUrlSchema,
  /** Follow links (and the site's sitemaps) instead of fetching only `url`. */
  crawl: z.boolean().default(false),
  /** A crawl stays on the origin (scheme, host, port) of `url`. */
  sameOrigin: z.boolean().default(true),
  /** Most links followed from `url` (0: only `url` and the sitemaps' pages). */
  maxDepth: z.number().int().min(0).max(100).default(3),
  /** Most pages one crawl requests; also bounds the frontier a checkpoint keeps. */
  maxPages: z.number().int().min(1).max(100_000).default(1000),
  /**
   * URLs a crawl may follow: each a prefix (`https://site/docs/`) or a glob where `*` is any
   * run of characters (`https://site/*.html`). Empty: every URL in scope.
   */
  include: z.array(z.string().min(1)).default([]),
  /** URLs a crawl never follows, written like `include`; they win over it. */
  exclude: z.array(z.string().min(1)).default([]),
  /** Pages fetched at once during a crawl (the rate per host still applies). */
  concurrency: z.number().int().min(1).max(64).default(4),
  /** Pages between two checkpoints of a crawl in progress. */
  checkpointEvery: z.number().int().min(1).max(100_000).default(100),
  /** The longest robots.txt Crawl-delay honoured, in milliseconds (a longer one is cut to it). */
  maxCrawlDelayMs: z.number().int().min(0).max(600_000).default(10_000),
  ...fetchLimitsShape,
});
export type WebSettings = z.output<typeof webSettingsSchema>;

const validatorsSchema = z.object({
  etag: z.string().exactOptional(),
  lastModified: z.string().exactOptional(),
});

/**
 * Where a web connector stands (version 1). A single page keeps its validators. A crawl keeps
 * its frontier only while it is in progress (the URLs still to fetch with their depth, and
 * digests of the URLs fetched), so a restart resumes it; between crawls nothing per URL is
 * kept, so the cursor stays small on any site.
 */
export const webCursorSchema = z.object({
  v: z.literal(1),
  page: validatorsSchema.exactOptional(),
  crawl: z
    .object({
      queue: z.array(z.tuple([z.string(), z.number().int()])),
      visited: z.array(z.string()),
      pages: z.number().int(),
    })
    .exactOptional(),
  lastCrawl: z.object({ pages: z.number().int(), finishedAt: z.string() }).exactOptional(),
});
export type WebCursor = z.output<typeof webCursorSchema>;
