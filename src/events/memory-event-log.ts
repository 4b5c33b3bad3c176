import type { RecordedEvent } from '../core/envelope.js';
import { subjectMatchesFilter } from '../core/subjects.js';
import { JetStreamApiCodes, JetStreamApiError } from '../nats/api-error.js';
import type { AppendOutcome } from './append-steps.js';
import type {
  AggregateHead,
  EventSubscription,
  ReadAllOptions,
  StoredEventMessage,
} from './event-store.js';
import type { Sealed } from './sealed-append.js';

interface StoredEvent extends StoredEventMessage {
  readonly recorded: RecordedEvent;
}

/**
 * An event stream held in memory, with the write rules of the JetStream stream `CIM_EVENTS` on a
 * lone server: a message id seen before is answered as a duplicate of its first copy, else a
 * publish whose expected last subject sequence is not the subject's is refused (10071). Message
 * ids are remembered for the log's lifetime, where JetStream forgets them after its duplicate
 * window (after which the version check catches a repeat). Several {@link MemoryEventStore}s
 * over one log behave as processes sharing one server.
 */
export class MemoryEventLog {
  private readonly messages: StoredEvent[] = [];
  private readonly bySubject = new Map<string, number[]>();
  private readonly byMessageId = new Map<string, number>();
  private readonly listeners = new Set<() => void>();

  /** Stores one event unless it is a duplicate or the subject moved past `after`. */
  publish(subject: string, item: Sealed, after: number): AppendOutcome {
    const known = this.byMessageId.get(item.envelope.id);
    if (known !== undefined) return { kind: 'acked', seq: known, duplicate: true };
    const positions = this.bySubject.get(subject) ?? [];
    const last = positions[positions.length - 1] ?? 0;
    if (last !== after) {
      const code = JetStreamApiCodes.StreamWrongLastSequence;
      const description = `wrong last sequence: ${last}`;
      return {
        kind: 'refused',
        code,
        error: new JetStreamApiError({ code: 400, err_code: code, description }),
      };
    }
    const position = this.messages.length + 1;
    this.messages.push({
      position,
      subject,
      body: item.body,
      headerCid: item.cid,
      prevPosition: after,
      recordedAt: Date.now(),
      recorded: { event: item.envelope, cid: item.cid, position },
    });
    positions.push(position);
    this.bySubject.set(subject, positions);
    this.byMessageId.set(item.envelope.id, position);
    for (const wake of this.listeners) wake();
    return { kind: 'acked', seq: position, duplicate: false };
  }

  /** The position of the last event (0 when there is none). */
  lastPosition(): number {
    return this.messages.length;
  }

  /** The event at a position, if there is one. */
  at(position: number): RecordedEvent | undefined {
    return this.messages[position - 1]?.recorded;
  }

  /** The last event of a subject's aggregate, if any. */
  last(subject: string): RecordedEvent | undefined {
    const positions = this.bySubject.get(subject);
    const last = positions?.[positions.length - 1];
    return last === undefined ? undefined : this.at(last);
  }

  head(subject: string): AggregateHead | undefined {
    const last = this.last(subject);
    return last
      ? {
          version: last.event.version,
          position: last.position,
          cid: last.cid,
          eventId: last.event.id,
        }
      : undefined;
  }

  /** The subject's events at or before `position` from `fromVersion` on, oldest first. */
  aggregate(subject: string, fromVersion: number, position = Infinity): RecordedEvent[] {
    const out: RecordedEvent[] = [];
    for (const p of this.bySubject.get(subject) ?? []) {
      if (p > position) break;
      const recorded = this.at(p)!;
      if (recorded.event.version >= fromVersion) out.push(recorded);
    }
    return out;
  }

  /** Up to `limit` events after a position that match the filter, oldest first. */
  readAll(options: ReadAllOptions & { readonly limit: number }): RecordedEvent[] {
    const out: RecordedEvent[] = [];
    for (let p = (options.after ?? 0) + 1; p <= this.messages.length; p++) {
      if (out.length >= options.limit) break;
      const stored = this.messages[p - 1]!;
      if (subjectMatchesFilter(stored.subject, options.filter ?? {})) out.push(stored.recorded);
    }
    return out;
  }

  /** Every stored message after `after` up to the end when called. */
  *scan(options: ReadAllOptions): Iterable<StoredEventMessage> {
    const end = this.messages.length;
    for (let p = (options.after ?? 0) + 1; p <= end; p++) {
      const { recorded: _, ...message } = this.messages[p - 1]!;
      if (subjectMatchesFilter(message.subject, options.filter ?? {})) yield message;
    }
  }

  /** Events after a position, then each new one as it is stored, until stopped. */
  subscribe(options: ReadAllOptions): EventSubscription {
    let position = options.after ?? 0;
    let stopped = false;
    let wake: (() => void) | undefined;
    const listener = () => {
      wake?.();
      wake = undefined;
    };
    this.listeners.add(listener);
    const stop = () => {
      stopped = true;
      this.listeners.delete(listener);
      listener();
    };
    const next = async (): Promise<IteratorResult<RecordedEvent>> => {
      for (;;) {
        if (stopped) return { done: true, value: undefined };
        const [event] = this.readAll({ ...options, after: position, limit: 1 });
        if (event) {
          position = event.position;
          return { done: false, value: event };
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    };
    return {
      [Symbol.asyncIterator]: () => ({
        next,
        return: () => {
          stop();
          return Promise.resolve({ done: true, value: undefined });
        },
      }),
      stop: () => {
        stop();
        return Promise.resolve();
      },
    };
  }
}
