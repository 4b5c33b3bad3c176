import type { EventStore, ReadAllOptions } from './event-store.js';

/** Positions looked at per read: a window never holds more events than it has positions. */
const WINDOW = 1000;

/**
 * The position of the last event matching `filter` at or before `end` (0 when none), read
 * backwards one window at a time: what a filtered projection has to have read to be caught up.
 */
export async function lastPositionMatching(
  store: Pick<EventStore, 'readAll'>,
  filter: NonNullable<ReadAllOptions['filter']>,
  end: number,
): Promise<number> {
  for (let upTo = end; upTo > 0; upTo -= WINDOW) {
    const after = Math.max(0, upTo - WINDOW);
    const page = await store.readAll({ after, filter, limit: WINDOW });
    const inWindow = page.filter((e) => e.position <= upTo);
    if (inWindow.length > 0) return inWindow[inWindow.length - 1]!.position;
  }
  return 0;
}
