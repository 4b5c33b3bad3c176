import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Msg, MsgHdrs, NatsConnection } from '@nats-io/nats-core';
import { headers } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import { UnavailableError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { EVENTS_STREAM, eventSubject } from '../core/subjects.js';
import { JetStreamEventStore } from '../events/jetstream-event-store.js';
import { isApiError, JetStreamApiCodes } from '../nats/api-error.js';
import { AckPublisher, PublishRefusedError } from '../nats/fast-path/index.js';
import { connectNats } from '../nats/connect.js';
import { provision } from '../nats/provision.js';
import { ReplyMux } from '../nats/fast-path/index.js';
import { startTestCluster } from '../testing/nats-cluster.js';
import type { TestServers } from '../testing/nats-cluster.js';

/**
 * A real reply mux that loses the acks of the first `lose` requests after the server has
 * processed them: what a client sees when a stream leader dies between storing a message and
 * answering. Everything still goes through real servers.
 */
class LosingMux extends ReplyMux {
  constructor(
    nc: NatsConnection,
    private lose: number,
  ) {
    super(nc);
  }
  override request(
    subject: string,
    data: Uint8Array | string,
    hdrs?: MsgHdrs,
    timeoutMs?: number,
  ): Promise<Msg> {
    const reply = super.request(subject, data, hdrs, timeoutMs);
    if (this.lose <= 0) return reply;
    this.lose--;
    return reply.then(() => {
      throw new UnavailableError('ack lost (injected)');
    });
  }
}

let cluster: TestServers;
let nc: NatsConnection;
before(async () => {
  cluster = await startTestCluster();
  nc = await connectNats(cluster.urls);
  await provision(nc, { duplicateWindowSeconds: 120, replicas: 3 });
});
after(async () => {
  await nc.close();
  await cluster.stop();
});

function hdrs(msgId: string, expected?: number): MsgHdrs {
  const h = headers();
  h.set('Nats-Msg-Id', msgId);
  if (expected !== undefined) h.set('Nats-Expected-Last-Subject-Sequence', String(expected));
  return h;
}

/**
 * nats-server 2.10 on a cluster checks a message's expected sequence before its message id;
 * 2.15 (and a lone server of either) checks the id first. Only these two were observed here.
 */
const expectationFirst = () => /^2\.10\./.test(nc.info?.version ?? '');

test(
  'on a cluster 2.10 checks the expected sequence before the message id, 2.15 the id first',
  { timeout: 60_000 },
  async () => {
    const publisher = new AckPublisher(nc);
    const subject = 'cim.events.tests.Order.o1';
    const id = newId();
    const first = await publisher.publish(subject, 'x', hdrs(id, 0));
    const duplicate = { stream: EVENTS_STREAM, seq: first.seq, duplicate: true };
    const repeat = publisher.publish(subject, 'x', hdrs(id, 0));
    if (expectationFirst()) {
      // The same message again with its expectation is refused (10071), not called a
      // duplicate: a client must not read this refusal as a conflict when its own first
      // attempt landed.
      await assert.rejects(
        repeat,
        (err: unknown) =>
          err instanceof PublishRefusedError &&
          isApiError(err, JetStreamApiCodes.StreamWrongLastSequence),
      );
    } else {
      assert.deepEqual(await repeat, duplicate);
    }
    const again = await publisher.publish(subject, 'x', hdrs(id));
    assert.deepEqual(again, duplicate);
  },
);

test(
  'an append whose ack was lost is retried with the same message id and reported recorded, once',
  { timeout: 60_000 },
  async () => {
    const mux = new LosingMux(nc, 1);
    const store = await JetStreamEventStore.open(nc, { maxEventBytes: 1_000_000, replies: mux });
    const ref = { domain: 'tests', aggregate: 'Order', aggregateId: 'o2' };
    // Generated ids and expected versions: the store alone knows the event is its own.
    const one = await store.append(ref, [{ type: 'Placed', data: {} }], { expectedVersion: 0 });
    assert.equal(one.version, 1);
    // 2.10 refuses the repeat (10071) and the store finds its event at the head; 2.15 acks the
    // repeat as a duplicate of the first attempt, as a lone server does: the id was stored.
    assert.equal(one.duplicate, !expectationFirst());
    const two = await store.append(ref, [{ type: 'Paid', data: {} }], { expectedVersion: 1 });
    assert.equal(two.version, 2);
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(EVENTS_STREAM, { subjects_filter: eventSubject(ref) });
    assert.equal(info.state.subjects?.[eventSubject(ref)], 2, 'two events, each recorded once');
    const stored = await store.readAggregate(ref);
    assert.deepEqual(
      stored.map((e) => [e.event.id, e.event.version]),
      [
        [one.events[0]!.event.id, 1],
        [two.events[0]!.event.id, 2],
      ],
    );
    mux.close();
  },
);

test(
  'a repeated command whose first append landed is recorded, not a conflict',
  { timeout: 60_000 },
  async () => {
    const ref = { domain: 'tests', aggregate: 'Order', aggregateId: 'o3' };
    const draft = [{ id: newId(), type: 'Placed', data: {} }];
    const a = await JetStreamEventStore.open(nc, { maxEventBytes: 1_000_000 });
    const b = await JetStreamEventStore.open(nc, { maxEventBytes: 1_000_000 });
    const first = await a.append(ref, draft, { expectedVersion: 0 });
    const repeat = await b.append(ref, draft, { expectedVersion: 0 });
    assert.equal(repeat.duplicate, true);
    assert.equal(repeat.events[0]!.position, first.events[0]!.position);
  },
);
