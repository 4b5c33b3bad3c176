import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { RecordedEvent } from '../api/types';
import { EventRow } from '../components/event-row';
import { ErrorNote, Empty, Loading } from '../components/status';
import { useLiveEvents } from '../hooks/use-live-events';
import { LiveBadge } from './overview';

/** How many of the newest events the timeline holds (and a chain is looked for in). */
const KEEP = 1000;

/** Orders a correlation's events as a causal tree: each after its cause, indented below it. */
export function causalOrder(
  events: readonly RecordedEvent[],
): { event: RecordedEvent; depth: number }[] {
  const byId = new Map(events.map((e) => [e.id, e]));
  const children = new Map<string, RecordedEvent[]>();
  const roots: RecordedEvent[] = [];
  for (const event of [...events].sort((a, b) => a.position - b.position)) {
    const cause = event.causationId;
    if (cause !== null && cause !== event.id && byId.has(cause)) {
      children.set(cause, [...(children.get(cause) ?? []), event]);
    } else {
      roots.push(event);
    }
  }
  const out: { event: RecordedEvent; depth: number }[] = [];
  const visit = (event: RecordedEvent, depth: number) => {
    out.push({ event, depth });
    for (const child of children.get(event.id) ?? []) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  return out;
}

/** The live event timeline, filtered by type, aggregate and correlation id. */
export function EventsPage() {
  const [params, setParams] = useSearchParams();
  const type = params.get('type') ?? '';
  const aggregate = params.get('aggregate') ?? '';
  const correlation = params.get('correlation') ?? '';
  const [paused, setPaused] = useState(false);
  const filter = useMemo(() => (aggregate === '' ? {} : { aggregate }), [aggregate]);
  const live = useLiveEvents(filter, KEEP, paused);

  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value === '') next.delete(key);
    else next.set(key, value);
    setParams(next, { replace: true });
  };

  const types = useMemo(() => [...new Set(live.events.map((e) => e.type))].sort(), [live.events]);
  const shown = live.events.filter(
    (e) =>
      (type === '' || e.type === type) && (correlation === '' || e.correlationId === correlation),
  );
  const chain = correlation === '' ? undefined : causalOrder(shown);

  return (
    <section>
      <h1>
        Events <LiveBadge state={live.state} />
      </h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Event filters">
        <label>
          Type
          <select value={type} onChange={(e) => set('type', e.target.value)}>
            <option value="">any type</option>
            {[...new Set([...types, ...(type ? [type] : [])])].map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Aggregate
          <input
            value={aggregate}
            placeholder="e.g. Document"
            onChange={(e) => set('aggregate', e.target.value.trim())}
          />
        </label>
        <label>
          Correlation id
          <input
            value={correlation}
            placeholder="follow one causal chain"
            onChange={(e) => set('correlation', e.target.value.trim())}
          />
        </label>
        <button type="button" onClick={() => setPaused((p) => !p)} aria-pressed={paused}>
          {paused ? 'Resume' : 'Pause'}
        </button>
      </form>
      {live.error && <ErrorNote message={live.error} />}
      {live.state === 'connecting' && live.events.length === 0 && <Loading what="events" />}

      {chain ? (
        <>
          <h2>
            Causal chain of {correlation}{' '}
            <button type="button" className="link" onClick={() => set('correlation', '')}>
              clear
            </button>
          </h2>
          {chain.length === 0 ? (
            <Empty title="No event of this correlation id among the latest events.">
              <p>Check the id, or clear the filter to see the whole timeline.</p>
            </Empty>
          ) : (
            <ol className="events chain" aria-label="Causal chain">
              {chain.map(({ event, depth }) => (
                <EventRow
                  key={event.position}
                  event={event}
                  depth={depth}
                  onCorrelation={(id) => set('correlation', id)}
                />
              ))}
            </ol>
          )}
        </>
      ) : shown.length === 0 && live.state !== 'connecting' ? (
        <Empty
          title={
            live.events.length === 0
              ? 'The event stream is empty.'
              : 'No event matches these filters.'
          }
        >
          <p>New events appear here as they are recorded.</p>
        </Empty>
      ) : (
        <ol className="events" aria-label="Timeline">
          {shown.map((event) => (
            <EventRow
              key={event.position}
              event={event}
              onCorrelation={(id) => set('correlation', id)}
            />
          ))}
        </ol>
      )}
      <p className="small muted">
        The timeline holds the newest {KEEP.toLocaleString('en')} events
        {aggregate ? ` of aggregate ${aggregate}` : ''}; a chain is looked for among them.
      </p>
    </section>
  );
}
