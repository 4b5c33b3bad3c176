import { useState } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';

/** What a page shows of a query: its data, its error sentence, whether it first loads. */
export interface Shown<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  /** True while the first answer is awaited (nothing to show yet). */
  readonly loading: boolean;
  /** Asks again (keeps showing the current data meanwhile). */
  reload(): void;
}

/**
 * A query's result as a page shows it. A query that failed with nothing to show forgets its error
 * while it asks again; the error is kept on screen until the answer, so a polled view that keeps
 * failing shows one steady note instead of one that blinks (and is announced again) every poll.
 */
export function useShown<T>(result: UseQueryResult<T>): Shown<T> {
  const [settledError, setSettledError] = useState<Error | null>(null);
  if (!result.isFetching && result.error !== settledError) setSettledError(result.error);
  const error = result.error ?? (result.isFetching ? settledError : null);
  const { refetch } = result;
  return {
    data: result.data,
    error: error?.message,
    loading: result.isLoading,
    reload: () => void refetch(),
  };
}
