import type { JsonValue, RecordedEvent } from '../core/envelope.js';

/** A recorded event of `type` carrying `data`, for tests of readers (no store involved). */
export function recordedEvent(
  type: string,
  data: JsonValue,
  options: { readonly position?: number; readonly domain?: string } = {},
): RecordedEvent {
  return {
    event: {
      id: '0190f1b2-0000-7000-8000-000000000000',
      type,
      version: 1,
      occurredAt: '2026-01-01T00:00:00.000Z',
      actor: 'tester',
      correlationId: 'c',
      causationId: null,
      prev: null,
      domain: options.domain ?? 'things',
      aggregate: 'Thing',
      aggregateId: 't1',
      data,
    },
    cid: 'baguqeera',
    position: options.position ?? 1,
  };
}
