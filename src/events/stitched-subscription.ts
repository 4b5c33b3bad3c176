import type { RecordedEvent } from '../core/envelope.js';
import type { EventSubscription } from './event-store.js';

/**
 * One subscription out of archived events followed by a live one: the archive's iterator to its
 * end, then the live subscription's. Stopping stops both.
 */
export function stitchedSubscription(
  archived: AsyncIterable<RecordedEvent>,
  live: EventSubscription,
): EventSubscription {
  const first = archived[Symbol.asyncIterator]();
  let firstDone = false;
  let second: AsyncIterator<RecordedEvent> | undefined;
  const closeFirst = async () => {
    if (!firstDone) {
      firstDone = true;
      await first.return?.();
    }
  };
  return {
    [Symbol.asyncIterator]() {
      return {
        async next(): Promise<IteratorResult<RecordedEvent>> {
          if (!firstDone) {
            const step = await first.next();
            if (!step.done) return step;
            firstDone = true;
          }
          second ??= live[Symbol.asyncIterator]();
          return second.next();
        },
        async return(): Promise<IteratorResult<RecordedEvent>> {
          await closeFirst();
          await second?.return?.();
          return { done: true, value: undefined };
        },
      };
    },
    async stop() {
      await closeFirst();
      await live.stop();
    },
  };
}
