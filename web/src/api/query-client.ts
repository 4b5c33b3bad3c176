import { QueryClient } from '@tanstack/react-query';

/**
 * The app's one query cache. Requests go to the node even when the browser says it is offline
 * (the node is often on this very machine), and a failure is shown at once rather than after
 * retries: polled views ask again on their own, and every error note has a retry button.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { networkMode: 'always', retry: false },
      mutations: { networkMode: 'always', retry: false },
    },
  });
}
