import { Link } from 'react-router';
import type { RecordedEvent } from '../api/types';
import { formatTime, shortCid } from '../format';

/** The unit CIDs an event's data names, so its row can link to them. */
export function unitCidsOf(event: RecordedEvent): string[] {
  const data = event.data as Record<string, unknown> | null;
  if (typeof data !== 'object' || data === null) return [];
  const found = new Set<string>();
  for (const key of ['unitCid', 'unit', 'derivedUnitCid']) {
    const value = data[key];
    if (typeof value === 'string' && value.startsWith('bafyrei')) found.add(value);
  }
  return [...found];
}

/** One event of a timeline: when, what, on which aggregate, and its causal ids. */
export function EventRow({
  event,
  compact = false,
  depth = 0,
  onCorrelation,
}: {
  event: RecordedEvent;
  compact?: boolean;
  /** Indentation in a causal chain. */
  depth?: number;
  /** Called to follow the event's correlation id; without it, the id links to the events page. */
  onCorrelation?: (correlationId: string) => void;
}) {
  const units = unitCidsOf(event);
  return (
    <li
      className="event"
      data-type={event.type}
      style={depth > 0 ? { marginLeft: `${depth * 1.25}rem` } : undefined}
    >
      <span className="event-pos" title={`stream position ${event.position}`}>
        #{event.position}
      </span>
      <span className="event-type">{event.type}</span>
      <span
        className="event-aggregate"
        title={`${event.domain}.${event.aggregate}.${event.aggregateId}`}
      >
        {event.aggregate} {shortCid(event.aggregateId)} v{event.version}
      </span>
      <time className="event-time" dateTime={event.occurredAt}>
        {formatTime(event.occurredAt)}
      </time>
      {!compact && (
        <span className="event-links">
          {units.map((cid) => (
            <Link key={cid} to={`/units/${cid}`} title={cid}>
              unit {shortCid(cid)}
            </Link>
          ))}
          {onCorrelation ? (
            <button
              type="button"
              className="link"
              onClick={() => onCorrelation(event.correlationId)}
              title={`Show every event of correlation ${event.correlationId}`}
            >
              chain {shortCid(event.correlationId)}
            </button>
          ) : (
            <Link
              to={`/events?correlation=${encodeURIComponent(event.correlationId)}`}
              title={`Show every event of correlation ${event.correlationId}`}
            >
              chain {shortCid(event.correlationId)}
            </Link>
          )}
        </span>
      )}
    </li>
  );
}
