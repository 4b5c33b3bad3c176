import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventStore } from './event-store.js';
import { newId } from '../core/ids.js';
import { InvalidInputError, TooLargeError, VersionConflictError } from '../core/errors.js';
import type { AggregateRef } from '../core/subjects.js';

/** A fresh aggregate reference, unique to one test. */
export function freshRef(domain = 'contract'): AggregateRef {
  return { domain, aggregate: 'Thing', aggregateId: newId() };
}

/**
 * The behaviour every EventStore implementation must show. `stores(n)` returns n stores over the
 * same underlying storage, as n independent processes would see it.
 */
export function eventStoreContract(name: string, stores: (n: number) => EventStore[]): void {
  const store = () => stores(1)[0]!;

  test(`${name}: appends start at version 1 and chain prev to the previous CID`, async () => {
    const ref = freshRef();
    const first = await store().append(ref, [{ type: 'ThingMade', data: { n: 1 } }], {
      expectedVersion: 0,
    });
    assert.equal(first.version, 1);
    assert.equal(first.events[0]!.event.prev, null);
    assert.equal((await store().last(ref))?.cid, first.events[0]!.cid);
    const second = await store().append(ref, [{ type: 'ThingChanged', data: { n: 2 } }], {
      expectedVersion: 1,
    });
    assert.equal(second.version, 2);
    assert.equal(second.events[0]!.event.prev, first.events[0]!.cid);
    assert.ok(second.events[0]!.position > first.events[0]!.position);
  });

  test(`${name}: several events in one append get consecutive versions and links`, async () => {
    const ref = freshRef();
    const result = await store().append(
      ref,
      [1, 2, 3].map((n) => ({ type: 'ThingCounted', data: { n } })),
      { expectedVersion: 0, correlationId: newId() },
    );
    assert.deepEqual(
      result.events.map((e) => e.event.version),
      [1, 2, 3],
    );
    assert.equal(result.events[1]!.event.prev, result.events[0]!.cid);
    assert.equal(result.events[2]!.event.prev, result.events[1]!.cid);
    const read = await store().readAggregate(ref);
    assert.deepEqual(
      read.map((e) => e.cid),
      result.events.map((e) => e.cid),
    );
    const tail = await store().readAggregate(ref, 2);
    assert.deepEqual(
      tail.map((e) => e.event.version),
      [2, 3],
    );
  });

  test(`${name}: a wrong expected version is a conflict carrying the actual version`, async () => {
    const ref = freshRef();
    await store().append(ref, [{ type: 'ThingMade', data: {} }], { expectedVersion: 0 });
    await assert.rejects(
      store().append(ref, [{ type: 'ThingMade', data: {} }], { expectedVersion: 0 }),
      (err: unknown) =>
        err instanceof VersionConflictError && err.actualVersion === 1 && err.expectedVersion === 0,
    );
    await assert.rejects(
      store().append(ref, [{ type: 'ThingChanged', data: {} }], { expectedVersion: 5 }),
      (err: unknown) => err instanceof VersionConflictError && err.actualVersion === 1,
    );
    assert.equal((await store().readAggregate(ref)).length, 1);
  });

  test(`${name}: a stale writer is refused by the server, not by its own cache`, async () => {
    const ref = freshRef();
    const [a, b] = stores(2) as [EventStore, EventStore];
    await a.append(ref, [{ type: 'ThingMade', data: {} }], { expectedVersion: 0 });
    await b.append(ref, [{ type: 'ThingChanged', data: { by: 'b' } }], { expectedVersion: 1 });
    await assert.rejects(
      a.append(ref, [{ type: 'ThingChanged', data: { by: 'a' } }], { expectedVersion: 1 }),
      (err: unknown) => err instanceof VersionConflictError && err.actualVersion === 2,
    );
    const any = await a.append(ref, [{ type: 'ThingChanged', data: { by: 'a' } }], {
      expectedVersion: 'any',
    });
    assert.equal(any.version, 3);
  });

  test(`${name}: eight writers racing on one version, 200 rounds: exactly one wins each round`, async () => {
    const ref = freshRef();
    const writers = stores(8);
    for (let round = 0; round < 200; round++) {
      const results = await Promise.allSettled(
        writers.map((w, i) =>
          w.append(ref, [{ type: 'ThingRaced', data: { round, writer: i } }], {
            expectedVersion: round,
          }),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      assert.equal(won.length, 1, `round ${round}: ${won.length} winners`);
      for (const r of lost) {
        assert.ok(r.reason instanceof VersionConflictError, `round ${round}: ${String(r.reason)}`);
        assert.equal(r.reason.actualVersion, round + 1);
      }
    }
    const all = await store().readAggregate(ref);
    assert.deepEqual(
      all.map((e) => e.event.version),
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
  });

  test(`${name}: retrying with the same event ids records nothing twice`, async () => {
    const ref = freshRef();
    const drafts = [
      { id: newId(), type: 'ThingMade', data: { n: 1 } },
      { id: newId(), type: 'ThingChanged', data: { n: 2 } },
    ];
    const first = await store().append(ref, drafts, { expectedVersion: 0 });
    assert.equal(first.duplicate, false);
    for (const s of stores(2)) {
      const again = await s.append(ref, drafts, { expectedVersion: 0 });
      assert.equal(again.duplicate, true);
      assert.deepEqual(
        again.events.map((e) => e.cid),
        first.events.map((e) => e.cid),
      );
    }
    assert.equal((await store().readAggregate(ref)).length, 2);
  });

  test(`${name}: bad input writes nothing`, async () => {
    const ref = freshRef();
    await assert.rejects(
      store().append({ ...ref, aggregateId: 'a.b' }, [{ type: 'ThingMade', data: {} }], {
        expectedVersion: 0,
      }),
      InvalidInputError,
    );
    await assert.rejects(
      store().append(ref, [{ type: 'thing made', data: {} }], { expectedVersion: 0 }),
      InvalidInputError,
    );
    await assert.rejects(
      store().append(
        ref,
        [
          { type: 'ThingMade', data: {} },
          { type: 'ThingMade', data: 'x'.repeat(2_000_000) },
        ],
        { expectedVersion: 0 },
      ),
      TooLargeError,
    );
    await assert.rejects(store().append(ref, [], { expectedVersion: 0 }), InvalidInputError);
    assert.equal(await store().head(ref), undefined);
  });

  test(`${name}: readAll pages by position and filters by aggregate`, async () => {
    const domain = `page${Date.now()}`;
    const refs = [freshRef(domain), freshRef(domain)];
    for (const ref of refs) {
      await store().append(
        ref,
        [1, 2, 3].map((n) => ({ type: 'ThingCounted', data: { n } })),
        { expectedVersion: 0 },
      );
    }
    const page1 = await store().readAll({ filter: { domain }, limit: 4 });
    assert.equal(page1.length, 4);
    const page2 = await store().readAll({
      filter: { domain },
      after: page1[3]!.position,
      limit: 4,
    });
    assert.equal(page2.length, 2);
    const one = await store().readAll({
      filter: { domain, aggregateId: refs[1]!.aggregateId },
      limit: 10,
    });
    assert.deepEqual(
      one.map((e) => e.event.version),
      [1, 2, 3],
    );
  });

  test(`${name}: a subscription catches up, then follows live, and resumes from a position`, async () => {
    const domain = `sub${Date.now()}`;
    const ref = freshRef(domain);
    await store().append(ref, [{ type: 'ThingMade', data: {} }], { expectedVersion: 0 });
    const sub = await store().subscribe({ filter: { domain } });
    const seen: number[] = [];
    const done = (async () => {
      for await (const e of sub) {
        seen.push(e.event.version);
        if (seen.length === 3) break;
      }
    })();
    await store().append(
      ref,
      [
        { type: 'ThingChanged', data: {} },
        { type: 'ThingChanged', data: {} },
      ],
      { expectedVersion: 1 },
    );
    await done;
    await sub.stop();
    assert.deepEqual(seen, [1, 2, 3]);
    const events = await store().readAggregate(ref);
    const resumed = await store().subscribe({ filter: { domain }, after: events[1]!.position });
    for await (const e of resumed) {
      assert.equal(e.event.version, 3);
      break;
    }
    await resumed.stop();
  });
}
