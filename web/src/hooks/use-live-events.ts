import { useEffect, useRef, useState } from 'react';
import { api, query } from '../api/client';
import type { EventPage, RecordedEvent } from '../api/types';

/** Which events to follow: a stream filter the server applies. */
export interface LiveFilter {
  readonly domain?: string;
  readonly aggregate?: string;
  readonly aggregateId?: string;
}

/** The newest events, kept current. */
export interface LiveEvents {
  /** Newest first, at most `keep`. */
  readonly events: readonly RecordedEvent[];
  /** The stream's last position when the view opened (for rates). */
  readonly startEnd: number | undefined;
  readonly state: 'connecting' | 'live' | 'reconnecting' | 'paused';
  readonly error: string | undefined;
}

/**
 * Loads the newest `keep` events matching `filter`, then follows the stream live over server-sent
 * events. Events arriving faster than the screen redraws are applied once per frame. With
 * `paused`, the view holds still and picks up where it left off when resumed.
 */
export function useLiveEvents(filter: LiveFilter, keep: number, paused = false): LiveEvents {
  const [events, setEvents] = useState<readonly RecordedEvent[]>([]);
  const [startEnd, setStartEnd] = useState<number | undefined>(undefined);
  const [state, setState] = useState<LiveEvents['state']>('connecting');
  const [error, setError] = useState<string | undefined>(undefined);
  const { domain, aggregate, aggregateId } = filter;
  const shown = useRef<string | undefined>(undefined);

  useEffect(() => {
    if (paused) {
      setState('paused');
      return;
    }
    let closed = false;
    let source: EventSource | undefined;
    let pending: RecordedEvent[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const batch = pending;
      pending = [];
      setEvents((old) => {
        const seen = new Set(old.map((e) => e.position));
        const fresh = batch.filter((e) => !seen.has(e.position)).reverse();
        return [...fresh, ...old].slice(0, keep);
      });
    };
    const filterQuery = { domain, aggregate, aggregateId };
    const key = JSON.stringify(filterQuery);
    if (shown.current !== key) {
      // Another filter: what is on screen belongs to the old one.
      shown.current = key;
      setEvents([]);
      setStartEnd(undefined);
    }
    setState('connecting');
    api<EventPage>(`/api/events${query({ ...filterQuery, tail: 'true', limit: keep })}`).then(
      (page) => {
        if (closed) return;
        setError(undefined);
        setStartEnd((old) => old ?? page.end);
        setEvents((old) => {
          const seen = new Set(page.events.map((e) => e.position));
          return [...[...page.events].reverse(), ...old.filter((e) => !seen.has(e.position))]
            .sort((a, b) => b.position - a.position)
            .slice(0, keep);
        });
        source = new EventSource(`/api/events/stream${query({ ...filterQuery, after: page.end })}`);
        source.onopen = () => setState('live');
        source.onerror = () => setState('reconnecting');
        source.addEventListener('event', (message) => {
          pending.push(JSON.parse((message as MessageEvent<string>).data) as RecordedEvent);
          if (frame === 0) frame = requestAnimationFrame(flush);
        });
      },
      (err: unknown) => {
        if (closed) return;
        setError(err instanceof Error ? err.message : String(err));
        setState('reconnecting');
      },
    );
    return () => {
      closed = true;
      source?.close();
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, [domain, aggregate, aggregateId, keep, paused]);

  return { events, startEnd, state, error };
}
