import type { RecordedEvent } from '../core/envelope.js';
import { VersionConflictError } from '../core/errors.js';
import { retryPauseMs, unacknowledgedError } from '../nats/fast-path/index.js';
import { JetStreamApiCodes } from '../nats/api-error.js';
import type { AppendDecision, AppendSettings, Steps } from './append-steps.js';
import { expectOutcome } from './append-steps.js';
import type { PublishAnswer } from './answered-publish.js';
import { untilAnswered } from './answered-publish.js';
import type { AggregateHead } from './event-store.js';
import { findRecorded, storedDuplicate } from './recorded-lookup.js';
import { settleRepeat } from './repeated-write.js';
import type { PreparedAppend, Sealed } from './sealed-append.js';
import { notAcknowledged, sealEvents } from './sealed-append.js';

/**
 * The append protocol of one command, as a state machine of pure code: it does no I/O, and
 * decides each next step (publish, re-read the head, look for its own events, pause) from the
 * outcome of the last one, until the append is recorded (the generator's return) or fails
 * (thrown: a conflict with the actual version, unavailable with the no-quorum sentence, bad
 * input). An adapter performs the steps against the server; see docs/architecture.md.
 *
 * `cached` is the aggregate's head as this process last saw it, a hint only: the server checks
 * every publish against the expected last subject sequence.
 */
export function* appendProtocol(
  command: PreparedAppend,
  cached: AggregateHead | undefined,
  settings: AppendSettings,
): Steps<AppendDecision> {
  const { expected, filled } = command;
  // The common case, one event on an aggregate whose head this process knows (or a new one),
  // is one publish whose ack settles the result directly.
  const head = expected === 0 ? undefined : cached;
  const known = expected === 0 || head !== undefined;
  if (filled.length !== 1 || !known || (expected !== 'any' && (head?.version ?? 0) !== expected)) {
    return yield* appendWithRetries(command, cached, settings);
  }
  const item = sealEvents(command, head, settings.maxEventBytes)[0]!;
  const after = head?.position ?? 0;
  const answer = yield* untilAnswered(item, after, settings);
  if (answer.kind === 'acked') {
    const event = answer.duplicate
      ? yield* storedDuplicate(item, answer.seq)
      : { event: item.envelope, cid: item.cid, position: answer.seq };
    return recorded([event], answer.duplicate ? 1 : 0);
  }
  if (!isWrongLastSequence(answer)) throw notAcknowledged(item, answer.error);
  expectOutcome(yield { kind: 'forgetHead' }, 'forgotten');
  const own = yield* ownWrite(item, after, answer, settings);
  if (own) return recorded([own], 0);
  return yield* appendWithRetries(command, undefined, settings);
}

/**
 * The general append: reads the head when it is not known, writes several events one by one
 * (each checked by the server), and tells a retry of an already recorded command from a
 * conflict.
 */
function* appendWithRetries(
  command: PreparedAppend,
  cached: AggregateHead | undefined,
  settings: AppendSettings,
): Steps<AppendDecision> {
  const { subject, expected, explicitIds, filled } = command;
  const { retry, now, maxEventBytes } = settings;
  const started = now();
  let head: AggregateHead | undefined;
  let fromCache: boolean;
  if (expected === 0) {
    head = undefined;
    fromCache = true;
  } else {
    head = cached;
    fromCache = head !== undefined;
    if (!fromCache) head = yield* headWithin(started, settings);
  }
  // Seal everything before the first write, so bad input writes nothing.
  let sealed = sealEvents(command, head, maxEventBytes);

  for (let attempt = 0; ; attempt++) {
    const version = head?.version ?? 0;
    if (expected !== 'any' && version !== expected) {
      if (fromCache) {
        head = yield* headWithin(started, settings);
        fromCache = false;
        sealed = sealEvents(command, head, maxEventBytes);
        continue;
      }
      if (explicitIds && head) {
        const again = yield* findRecorded(head, expected, filled);
        if (again) return found(again, head);
      }
      throw new VersionConflictError(subject, expected, version);
    }
    const outcome = yield* publishAll(sealed, head, settings);
    if (outcome.kind === 'recorded') return outcome.decision;
    // The server refused: our view of the head was stale, or another writer won the race.
    expectOutcome(yield { kind: 'forgetHead' }, 'forgotten');
    const sentAfter = head?.position ?? 0;
    head = yield* headWithin(started, settings);
    fromCache = false;
    if (head && head.eventId === filled[filled.length - 1]!.id) {
      const again = yield* findRecorded(head, head.version - filled.length, filled);
      if (again) return found(again, head);
    }
    if (outcome.written === 0 && (head?.position ?? 0) === sentAfter) {
      // Refused though nothing moved: a write to this aggregate is held by a leader that cannot
      // commit it yet (an election, no quorum). Wait for it, up to the deadline.
      if (now() - started >= retry.deadlineMs)
        throw unacknowledgedError(retry, now() - started, undefined);
      expectOutcome(yield { kind: 'pause', ms: retryPauseMs(attempt) }, 'paused');
      continue;
    }
    if (outcome.written > 0 || (expected === 'any' && attempt >= 5)) {
      throw new VersionConflictError(subject, version + outcome.written, head?.version ?? 0);
    }
    sealed = sealEvents(command, head, maxEventBytes);
  }
}

/** Publishes the sealed events in order, each expecting the one before it. */
function* publishAll(
  sealed: readonly Sealed[],
  head: AggregateHead | undefined,
  settings: AppendSettings,
): Steps<{ kind: 'recorded'; decision: AppendDecision } | { kind: 'refused'; written: number }> {
  let position = head?.position ?? 0;
  const events: RecordedEvent[] = [];
  let duplicates = 0;
  for (const [index, item] of sealed.entries()) {
    const answer = yield* untilAnswered(item, position, settings);
    if (answer.kind !== 'acked') {
      if (!isWrongLastSequence(answer)) throw notAcknowledged(item, answer.error);
      const own = yield* ownWrite(item, position, answer, settings);
      if (!own) return { kind: 'refused', written: index };
      events.push(own);
      position = own.position;
      continue;
    }
    if (answer.duplicate) {
      duplicates++;
      events.push(yield* storedDuplicate(item, answer.seq));
    } else {
      events.push({ event: item.envelope, cid: item.cid, position: answer.seq });
    }
    position = answer.seq;
  }
  return { kind: 'recorded', decision: recorded(events, duplicates) };
}

/**
 * The aggregate's head, read again while a read fails as unavailable (a cluster without a
 * stream leader answers some reads with errors) until the write deadline from `started`.
 */
function* headWithin(started: number, settings: AppendSettings): Steps<AggregateHead | undefined> {
  const { retry, now } = settings;
  for (let attempt = 0; ; attempt++) {
    const read = expectOutcome(yield { kind: 'readHead' }, 'head', 'headUnavailable');
    if (read.kind === 'head') return read.head;
    if (now() - started >= retry.deadlineMs)
      throw unacknowledgedError(retry, now() - started, read.error);
    expectOutcome(yield { kind: 'pause', ms: retryPauseMs(attempt) }, 'paused');
  }
}

/**
 * After a refusal that answered a repeated publish (the first got no ack, as when a leader
 * dies), whether the event is recorded: see {@link settleRepeat}. Undefined for a refusal of a
 * first attempt, and for a real conflict.
 */
function* ownWrite(
  item: Sealed,
  after: number,
  refusal: Extract<PublishAnswer, { kind: 'refused' }>,
  settings: AppendSettings,
): Steps<RecordedEvent | undefined> {
  if (!refusal.retried) return undefined;
  return yield* settleRepeat(item, after, refusal.error, settings);
}

function isWrongLastSequence(
  answer: PublishAnswer,
): answer is Extract<PublishAnswer, { kind: 'refused' }> {
  return answer.kind === 'refused' && answer.code === JetStreamApiCodes.StreamWrongLastSequence;
}

/** A recorded append; its last event becomes the aggregate's remembered head. */
function recorded(events: RecordedEvent[], duplicates: number): AppendDecision {
  const last = events[events.length - 1]!;
  return {
    result: { events, version: last.event.version, duplicate: duplicates === events.length },
    head: {
      version: last.event.version,
      position: last.position,
      cid: last.cid,
      eventId: last.event.id,
    },
  };
}

/** A command found already recorded by a lookup; the cache is left as it is. */
function found(events: RecordedEvent[], head: AggregateHead): AppendDecision {
  return { result: { events, version: head.version, duplicate: true }, head: undefined };
}
