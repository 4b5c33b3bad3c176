import { z } from 'zod';

/**
 * The limits every fetch of the feed and web connectors obeys, as settings with their defaults.
 * They bound what one response may cost, so a hostile or broken server can slow one item down
 * but never stall a poll or fill memory.
 */
export const fetchLimitsShape = {
  /** Milliseconds one response may take, headers and body, per redirect hop. */
  timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  /** Most bytes one response body may have; a longer one fails that item only. */
  maxBytes: z
    .number()
    .int()
    .min(1)
    .max(1024 * 1024 * 1024)
    .default(20 * 1024 * 1024),
  /** Most redirects followed for one request (only to http and https URLs). */
  maxRedirects: z.number().int().min(0).max(20).default(5),
  /** Most requests a second to one host (0: no limit; robots.txt's Crawl-delay may lower it). */
  ratePerHost: z.number().min(0).max(10_000).default(4),
} as const;

const fetchLimitsSchema = z.object(fetchLimitsShape);

/** The limits of a fetch, every default applied. */
export type FetchLimits = z.output<typeof fetchLimitsSchema>;

/** The limits with every default. */
export const DEFAULT_FETCH_LIMITS: FetchLimits = fetchLimitsSchema.parse({});
