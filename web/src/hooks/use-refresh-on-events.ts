import { useEffect, useRef } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { QueryKey } from '@tanstack/react-query';

/** Quiet time after the newest event before asking: what an event causes lands just after it. */
const SETTLE_MS = 300;
/** A steady stream of events still refreshes this often. */
const MAX_WAIT_MS = 1000;

/**
 * Refreshes the queries under `keys` when a live view's newest event position moves, once the
 * events settle (and at least once a second while they keep coming), so a burst of events costs a
 * few requests, not one each. `keys` should be a constant: a new array restarts the wait.
 */
export function useRefreshOnEvents(newest: number | undefined, keys: readonly QueryKey[]): void {
  const client = useQueryClient();
  const due = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (newest === undefined) return;
    const now = Date.now();
    due.current ??= now + MAX_WAIT_MS;
    const timer = setTimeout(
      () => {
        due.current = undefined;
        for (const queryKey of keys) void client.invalidateQueries({ queryKey });
      },
      Math.max(0, Math.min(SETTLE_MS, due.current - now)),
    );
    return () => clearTimeout(timer);
  }, [newest, keys, client]);
}
