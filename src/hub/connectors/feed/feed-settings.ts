import { z } from 'zod';
import { fetchLimitsShape } from '../http/fetch-limits.js';
import { httpUrlSchema } from '../http/check-settings.js';

/** Settings of a `feed` connector, with their defaults. */
export const feedSettingsSchema = z.strictObject({
  /** The feed's URL: RSS 2.0, Atom, JSON Feed or RDF (RSS 1.0). */
  url: httpUrlSchema,
  /** Also take each new or changed item's linked page, as a unit of its own. */
  fetchLinkedPages: z.boolean().default(false),
  ...fetchLimitsShape,
});
export type FeedSettings = z.output<typeof feedSettingsSchema>;

/** Most items of one feed document the cursor remembers; a longer feed is cut at this. */
export const MAX_CURSOR_ITEMS = 5000;

/**
 * Where a feed's polling stands (version 1): the validators of the last feed document, and a
 * digest of each item in it by id, so an item is taken again only when its bytes changed.
 * Only the current document's items are kept: an item that left the feed is forgotten.
 */
export const feedCursorSchema = z.object({
  v: z.literal(1),
  etag: z.string().exactOptional(),
  lastModified: z.string().exactOptional(),
  /** Item id → SHA-256 (base64url) of the item's payload. */
  items: z.record(z.string(), z.string()),
});
export type FeedCursor = z.output<typeof feedCursorSchema>;
