import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './client';

/** A client error (4xx) will not go away by asking again; a network failure or a 5xx might. */
function shouldRetry(failures: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failures < 2;
}

/**
 * The app's server-state cache. Queries are keyed by resource (see each feature's `…Keys`); what
 * changes them is a mutation (which invalidates the keys it touched) or a live event (src/live
 * maps each event type to the keys it invalidates), so nothing is refetched on a window focus.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: shouldRetry, refetchOnWindowFocus: false },
      mutations: { retry: false },
    },
  });
}
