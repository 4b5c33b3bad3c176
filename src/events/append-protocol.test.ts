import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordedEvent } from '../core/envelope.js';
import { UnavailableError, VersionConflictError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { appendProtocol } from './append-protocol.js';
import type { AppendDecision, AppendOutcome, AppendStep, Steps } from './append-steps.js';
import type { AggregateHead, EventDraft } from './event-store.js';
import { prepareAppend, sealEvents } from './sealed-append.js';

const REF = { domain: 'tests', aggregate: 'Order', aggregateId: 'o1' };
const RETRY = { stream: 'CIM_EVENTS', replicas: 3, attemptMs: 2000, deadlineMs: 20_000 };

/**
 * One run of the protocol on a simulated clock: `answer` feeds the outcome of the current step.
 * A pause moves the clock by its length, an unanswered publish by one attempt's wait.
 */
class Run {
  private clock = 1_000_000;
  private readonly startedAt = this.clock;
  private readonly protocol: Steps<AppendDecision>;
  private next: IteratorResult<AppendStep, AppendDecision>;

  constructor(
    drafts: readonly EventDraft[],
    expectedVersion: number | 'any',
    cached?: AggregateHead,
  ) {
    const command = prepareAppend(REF, drafts, { expectedVersion }, 'test');
    this.protocol = appendProtocol(command, cached, {
      maxEventBytes: 1_000_000,
      retry: RETRY,
      now: () => this.clock,
    });
    this.next = this.protocol.next();
  }

  /** Milliseconds on the simulated clock since the run started. */
  get elapsed(): number {
    return this.clock - this.startedAt;
  }

  get step(): AppendStep {
    assert.equal(this.next.done, false, 'the protocol has ended');
    return this.next.value as AppendStep;
  }

  /** The current step, checked to be of `kind`. */
  expect<K extends AppendStep['kind']>(kind: K): Extract<AppendStep, { kind: K }> {
    const step = this.step;
    assert.equal(step.kind, kind, `expected a ${kind} step, got ${JSON.stringify(step)}`);
    return step as Extract<AppendStep, { kind: K }>;
  }

  answer(outcome: AppendOutcome, waitedMs?: number): this {
    const step = this.step;
    if (step.kind === 'pause') this.clock += step.ms;
    else if (outcome.kind === 'unanswered') this.clock += waitedMs ?? RETRY.attemptMs;
    this.next = this.protocol.next(outcome);
    return this;
  }

  get decision(): AppendDecision {
    assert.equal(
      this.next.done,
      true,
      `the protocol has not ended: ${JSON.stringify(this.next.value)}`,
    );
    return this.next.value as AppendDecision;
  }
}

const lostAck = (): AppendOutcome => ({
  kind: 'unanswered',
  error: new UnavailableError('No reply from NATS within 2000 ms.'),
  closed: false,
});
const noResponders = (): AppendOutcome => ({
  kind: 'unanswered',
  error: new UnavailableError(
    'No JetStream stream answers for this subject: is the node provisioned?',
  ),
  closed: false,
});
const wrongLastSequence = (): AppendOutcome => ({
  kind: 'refused',
  code: 10071,
  error: new Error('wrong last sequence'),
});

/** The event a publish step sends, as the stream records it at `position`. */
function recordedOf(step: AppendStep, position: number): RecordedEvent {
  assert.equal(step.kind, 'publish');
  return { event: step.item.envelope, cid: step.item.cid, position };
}

/** The CID of some event, for heads whose last event the test does not look at. */
const SOME_CID = sealEvents(
  prepareAppend(REF, [{ type: 'Placed', data: {} }], { expectedVersion: 0 }, 'test'),
  undefined,
  1_000_000,
)[0]!.cid;

/** Another writer's event at version `version`, recorded at `position`. */
function othersEvent(version: number, position: number): RecordedEvent {
  const command = prepareAppend(
    REF,
    [{ type: 'Cancelled', data: {} }],
    { expectedVersion: 0 },
    'other',
  );
  const prior =
    version > 1
      ? { version: version - 1, position: 1, cid: SOME_CID, eventId: newId() }
      : undefined;
  const [item] = sealEvents(command, prior, 1_000_000);
  return { event: item!.envelope, cid: item!.cid, position };
}

function headOf(e: RecordedEvent): AggregateHead {
  return { version: e.event.version, position: e.position, cid: e.cid, eventId: e.event.id };
}

test('plain success: one publish expecting nothing on a new aggregate, its ack settles it', () => {
  const run = new Run([{ type: 'Placed', data: {} }], 0);
  const publish = run.expect('publish');
  assert.equal(publish.after, 0);
  assert.equal(publish.item.envelope.version, 1);
  run.answer({ kind: 'acked', seq: 7, duplicate: false });
  const { result, head } = run.decision;
  assert.equal(result.version, 1);
  assert.equal(result.duplicate, false);
  assert.equal(result.events[0]!.position, 7);
  assert.deepEqual(head, {
    version: 1,
    position: 7,
    cid: publish.item.cid,
    eventId: publish.item.envelope.id,
  });
});

test('a known head is used without a read: the publish expects its position', () => {
  const cached = { version: 4, position: 40, cid: SOME_CID, eventId: newId() };
  const run = new Run([{ type: 'Paid', data: {} }], 4, cached);
  const publish = run.expect('publish');
  assert.equal(publish.after, 40);
  assert.equal(publish.item.envelope.version, 5);
  assert.equal(publish.item.envelope.prev, SOME_CID);
  run.answer({ kind: 'acked', seq: 41, duplicate: false });
  assert.equal(run.decision.result.version, 5);
});

test('conflict: a refusal of a first attempt re-reads the head and reports its actual version', () => {
  const cached = { version: 1, position: 5, cid: SOME_CID, eventId: newId() };
  const run = new Run([{ type: 'Paid', data: {} }], 1, cached);
  run.expect('publish');
  run.answer(wrongLastSequence());
  run.expect('forgetHead');
  run.answer({ kind: 'forgotten' });
  run.expect('readHead');
  assert.throws(
    () => run.answer({ kind: 'head', head: headOf(othersEvent(2, 9)) }),
    (err: unknown) =>
      err instanceof VersionConflictError && err.expectedVersion === 1 && err.actualVersion === 2,
  );
});

test('conflict without a cached head: the read head is not at the expected version', () => {
  const run = new Run([{ type: 'Paid', data: {} }], 3);
  run.expect('readHead');
  assert.throws(
    () => run.answer({ kind: 'head', head: headOf(othersEvent(5, 50)) }),
    (err: unknown) => err instanceof VersionConflictError && err.actualVersion === 5,
  );
});

test('lost ack: the same message is sent again after a pause, and its ack records it', () => {
  const run = new Run([{ type: 'Placed', data: {} }], 0);
  const first = run.expect('publish');
  run.answer(lostAck());
  assert.equal(run.expect('pause').ms, 100);
  run.answer({ kind: 'paused' });
  const again = run.expect('publish');
  assert.equal(again.item, first.item);
  assert.equal(again.after, 0);
  run.answer({ kind: 'acked', seq: 3, duplicate: false });
  assert.equal(run.decision.result.duplicate, false);
  assert.equal(run.decision.result.events[0]!.position, 3);
});

test('a refused repeat whose event is the aggregate latest is ours: recorded, not a conflict', () => {
  const run = new Run([{ type: 'Placed', data: {} }], 0);
  const publish = run.expect('publish');
  run.answer(lostAck()).answer({ kind: 'paused' });
  run.expect('publish');
  run.answer(wrongLastSequence());
  run.expect('forgetHead');
  run.answer({ kind: 'forgotten' });
  run.expect('readHead');
  const ours = recordedOf(publish, 3);
  run.answer({ kind: 'head', head: headOf(ours) });
  assert.deepEqual(run.expect('readBack'), { kind: 'readBack', from: 3, fromVersion: 1 });
  run.answer({ kind: 'events', events: [ours] });
  const { result, head } = run.decision;
  assert.deepEqual(result.events, [ours]);
  assert.equal(result.duplicate, false);
  assert.equal(head?.position, 3);
});

test('a refused repeat while nothing moved waits (held uncommitted) and repeats', () => {
  const run = new Run([{ type: 'Placed', data: {} }], 0);
  run.answer(lostAck()).answer({ kind: 'paused' });
  run.answer(wrongLastSequence()).answer({ kind: 'forgotten' });
  run.expect('readHead');
  run.answer({ kind: 'head', head: undefined });
  assert.equal(run.expect('pause').ms, 400);
  run.answer({ kind: 'paused' });
  assert.equal(run.expect('publish').after, 0);
  run.answer({ kind: 'acked', seq: 4, duplicate: false });
  assert.equal(run.decision.result.events[0]!.position, 4);
});

test('a refused repeat while reads are unavailable waits too, then settles as ours', () => {
  const run = new Run([{ type: 'Placed', data: {} }], 0);
  const publish = run.expect('publish');
  run.answer(lostAck()).answer({ kind: 'paused' });
  run.answer(wrongLastSequence()).answer({ kind: 'forgotten' });
  run.answer({ kind: 'headUnavailable', error: new UnavailableError('no leader') });
  run.expect('pause');
  run.answer({ kind: 'paused' });
  run.expect('publish');
  run.answer({ kind: 'acked', seq: 3, duplicate: true });
  assert.deepEqual(run.expect('readStored'), { kind: 'readStored', position: 3 });
  run.answer({ kind: 'stored', event: recordedOf(publish, 3) });
  assert.equal(run.decision.result.events[0]!.position, 3);
});

test("a refused repeat with someone else's event is a conflict carrying the actual version", () => {
  const run = new Run([{ type: 'Placed', data: {} }], 0);
  run.answer(lostAck()).answer({ kind: 'paused' });
  run.answer(wrongLastSequence()).answer({ kind: 'forgotten' });
  const theirs = othersEvent(1, 3);
  run.answer({ kind: 'head', head: headOf(theirs) });
  run.expect('readBack');
  run.answer({ kind: 'events', events: [theirs] });
  // Not ours: the general path publishes against what it knows (a new aggregate) once more.
  assert.equal(run.expect('publish').after, 0);
  run.answer(wrongLastSequence()).answer({ kind: 'forgotten' });
  run.expect('readHead');
  assert.throws(
    () => run.answer({ kind: 'head', head: headOf(theirs) }),
    (err: unknown) =>
      err instanceof VersionConflictError && err.expectedVersion === 0 && err.actualVersion === 1,
  );
});

test('a duplicate ack at sequence 0 is no ack: the publish is repeated until it is stored', () => {
  const id = newId();
  const run = new Run([{ id, type: 'Placed', data: {} }], 0);
  const publish = run.expect('publish');
  run.answer({ kind: 'acked', seq: 0, duplicate: true });
  assert.equal(run.expect('pause').ms, 100);
  run.answer({ kind: 'paused' });
  run.expect('publish');
  run.answer({ kind: 'acked', seq: 5, duplicate: true });
  run.expect('readStored');
  run.answer({ kind: 'stored', event: recordedOf(publish, 5) });
  const { result } = run.decision;
  assert.equal(result.duplicate, true);
  assert.equal(result.events[0]!.event.id, id);
});

test('no responders until the deadline: unavailable with the no-quorum sentence', () => {
  const run = new Run([{ type: 'Placed', data: {} }], 0);
  let publishes = 0;
  let failure: unknown;
  try {
    for (;;) {
      const step = run.step;
      if (step.kind === 'publish') {
        publishes++;
        run.answer(noResponders(), 0);
      } else {
        assert.equal(step.kind, 'pause');
        run.answer({ kind: 'paused' });
      }
    }
  } catch (err) {
    failure = err;
  }
  assert.ok(failure instanceof UnavailableError, String(failure));
  assert.match(
    failure.message,
    /^CIM_EVENTS has no quorum \(a majority of its 3 replicas is unreachable; no write acknowledged in 19\.\d s\): writes resume when a member returns\.$/,
  );
  assert.match(String((failure.cause as Error).message), /No JetStream stream answers/);
  assert.ok(run.elapsed < RETRY.deadlineMs, `gave up after ${run.elapsed} ms`);
  assert.ok(publishes > 10, `${publishes} attempts`);
});

test('a closed connection ends the retries at once, as unavailable', () => {
  const run = new Run([{ type: 'Placed', data: {} }], 0);
  const closed = new UnavailableError('The connection to NATS was closed.');
  assert.throws(
    () => run.answer({ kind: 'unanswered', error: closed, closed: true }),
    (err) => err === closed,
  );
});

test('a refusal other than 10071 is not acknowledged, saying to retry with the same ids', () => {
  const run = new Run([{ type: 'Placed', data: {} }], 0);
  assert.throws(
    () =>
      run.answer({
        kind: 'refused',
        code: 10060,
        error: new Error('expected stream does not match'),
      }),
    (err: unknown) =>
      err instanceof UnavailableError &&
      /retry the command with the same event ids/.test(err.message),
  );
});

test('a multi-event append partly landed when another writer won: conflict after the first', () => {
  const run = new Run(
    [1, 2, 3].map((n) => ({ type: 'Counted', data: { n } })),
    0,
  );
  const first = run.expect('publish');
  assert.equal(first.after, 0);
  run.answer({ kind: 'acked', seq: 10, duplicate: false });
  const second = run.expect('publish');
  assert.equal(second.after, 10);
  assert.equal(second.item.envelope.prev, first.item.cid);
  run.answer(wrongLastSequence()).answer({ kind: 'forgotten' });
  run.expect('readHead');
  assert.throws(
    () => run.answer({ kind: 'head', head: headOf(othersEvent(2, 11)) }),
    (err: unknown) =>
      err instanceof VersionConflictError && err.expectedVersion === 1 && err.actualVersion === 2,
  );
});

test('a multi-event append whose middle ack was lost finds that event landed and goes on', () => {
  const run = new Run(
    [1, 2, 3].map((n) => ({ type: 'Counted', data: { n } })),
    0,
  );
  const first = run.expect('publish');
  run.answer({ kind: 'acked', seq: 10, duplicate: false });
  const second = run.expect('publish');
  run.answer(lostAck()).answer({ kind: 'paused' });
  run.answer(wrongLastSequence());
  // Inside a multi-event append the head cache is only touched once the append ends.
  run.expect('readHead');
  const landed = recordedOf(second, 11);
  run.answer({ kind: 'head', head: headOf(landed) });
  assert.deepEqual(run.expect('readBack'), { kind: 'readBack', from: 11, fromVersion: 2 });
  run.answer({ kind: 'events', events: [landed] });
  const third = run.expect('publish');
  assert.equal(third.after, 11);
  run.answer({ kind: 'acked', seq: 12, duplicate: false });
  const { result, head } = run.decision;
  assert.deepEqual(
    result.events.map((e) => [e.event.version, e.position]),
    [
      [1, 10],
      [2, 11],
      [3, 12],
    ],
  );
  assert.equal(result.events[0]!.event.id, first.item.envelope.id);
  assert.equal(head?.version, 3);
});

test('a command repeated with the same ids after others appended is found, not a conflict', () => {
  const drafts = [{ id: newId(), type: 'Placed', data: {} }];
  const run = new Run(drafts, 0);
  const publish = run.expect('publish');
  run.answer(wrongLastSequence()).answer({ kind: 'forgotten' });
  // The general path: a new aggregate expects nothing, publishes again and is refused again.
  run.answer(wrongLastSequence()).answer({ kind: 'forgotten' });
  const ours = recordedOf(publish, 3);
  const theirs = othersEvent(2, 8);
  run.expect('readHead');
  run.answer({ kind: 'head', head: headOf(theirs) });
  assert.deepEqual(run.expect('readBack'), { kind: 'readBack', from: 8, fromVersion: 1 });
  run.answer({ kind: 'events', events: [ours, theirs] });
  const { result, head } = run.decision;
  assert.equal(result.duplicate, true);
  assert.deepEqual(result.events, [ours]);
  assert.equal(result.version, 2);
  assert.equal(head, undefined, 'a found command leaves the cache as it is');
});
