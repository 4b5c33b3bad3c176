import { authOverhead } from './auth-overhead.js';
import { Kvm } from '@nats-io/kv';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamManager } from '@nats-io/jetstream';
import { HEADER } from '../src/events/headers.js';
import { JetStreamEventStore } from '../src/events/jetstream-event-store.js';
import { KvFailureLog } from '../src/events/kv-projection-state.js';
import { ProjectionRunner } from '../src/events/projection-runner.js';
import type { CheckpointStore, Projection } from '../src/events/projection.js';
import { PROJECTIONS_BUCKET } from '../src/core/buckets.js';
import { EVENTS_PREFIX, EVENTS_STREAM } from '../src/core/subjects.js';
import { silentLogger } from '../src/runtime/logger.js';
import type { Figure } from './harness.js';
import { figure, median, note, startBenchNats, timed } from './harness.js';

/**
 * Appends per side and round under the lazy policy; under `always` a fifth (a fifth the time at
 * a seventh the rate: every append waits for an fsync).
 */
const LAZY_EVENTS = 50_000;
const AGGREGATES = 10_000;
const IN_FLIGHT = 1_000;
const READ_IN_FLIGHT = 64;
/** Aggregates read per side and round: 3 rounds of two sides stay within the 10,000 written. */
const READS = 1_500;
const READ_ROUNDS = 3;
/** Appends made before each timed run, so both sides are measured with their code compiled. */
const WARM_UP = 5_000;
const APPEND_ROUNDS = 3;

/** Checkpoints in memory: the rebuild measures replay, not KV writes the raw consumer skips. */
class MemoryCheckpoints implements CheckpointStore {
  private readonly positions = new Map<string, number>();
  async load(name: string): Promise<number> {
    return this.positions.get(name) ?? 0;
  }
  async save(name: string, position: number): Promise<void> {
    this.positions.set(name, position);
  }
}

/** Counts events per type: the least a projection does. */
class CountByType implements Projection {
  readonly name = 'bench-count';
  readonly counts = new Map<string, number>();
  handle(e: { event: { type: string } }): void {
    this.counts.set(e.event.type, (this.counts.get(e.event.type) ?? 0) + 1);
  }
  reset(): void {
    this.counts.clear();
  }
}

/**
 * The requests `readAggregate` makes, through the client's own direct get and without CIM's
 * checks: the aggregate's last event by subject, then each earlier one by the position its
 * `Cim-Prev-Position` header names, each body parsed. Returns the events read.
 */
async function directGets(jsm: JetStreamManager, subject: string): Promise<number> {
  let msg = await jsm.direct.getMessage(EVENTS_STREAM, { last_by_subj: subject });
  let read = 0;
  while (msg) {
    JSON.parse(new TextDecoder().decode(msg.data));
    read++;
    const prev = Number(msg.header.get(HEADER.prevPosition));
    msg = prev > 0 ? await jsm.direct.getMessage(EVENTS_STREAM, { seq: prev }) : null;
  }
  return read;
}

/**
 * The `events` suite: append, rebuild and aggregate-read, each against a raw-NATS baseline on the
 * same server, whose JetStream sync policy is `sync`.
 */
export async function eventsSuite(
  sync: string,
): Promise<{ figures: Figure[]; serverVersion: string }> {
  const nats = await startBenchNats(sync);
  const events = sync === 'always' ? LAZY_EVENTS / 5 : LAZY_EVENTS;
  let figures: Figure[];
  try {
    const { nc } = nats;
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const store = await JetStreamEventStore.open(nc, { maxEventBytes: 1_000_000 });
    const payload = new Uint8Array(256).fill(120);
    const data = { text: 'x'.repeat(120), n: 0 };

    await jsm.streams.add({ name: 'BENCH_RAW', subjects: ['bench.raw.>'] });
    note('append: warm-up of both sides');
    await timed(WARM_UP, IN_FLIGHT, (i) => js.publish(`bench.raw.w${i % AGGREGATES}`, payload));
    await timed(WARM_UP, IN_FLIGHT, (i) =>
      store.append(
        { domain: 'warm', aggregate: 'Thing', aggregateId: `w${i}` },
        [{ type: 'ThingMade', data }],
        { expectedVersion: 0 },
      ),
    );
    // Alternating rounds and taking each side's median keeps a noisy neighbour on this shared
    // machine from deciding the ratio.
    const rawRates: number[] = [];
    const cimRates: number[] = [];
    for (let round = 0; round < APPEND_ROUNDS; round++) {
      note(`append round ${round + 1}/${APPEND_ROUNDS}: raw js.publish, then CIM append`);
      const rawSeconds = await timed(events, IN_FLIGHT, (i) =>
        js.publish(`bench.raw.r${round}.${i % AGGREGATES}`, payload),
      );
      rawRates.push(events / rawSeconds);
      // Task i appends version floor(i / AGGREGATES) + 1 of aggregate i % AGGREGATES: 1,000 in
      // flight never touch one aggregate twice at once, so every expected version is right.
      const cimSeconds = await timed(events, IN_FLIGHT, (i) =>
        store.append(
          { domain: 'bench', aggregate: 'Thing', aggregateId: `r${round}-a${i % AGGREGATES}` },
          [{ type: 'ThingChanged', data }],
          { expectedVersion: Math.floor(i / AGGREGATES) },
        ),
      );
      cimRates.push(events / cimSeconds);
    }
    const append = figure(
      'append',
      'events/s',
      median(cimRates),
      `js.publish 256 B, 1,000 in flight, median of ${APPEND_ROUNDS}`,
      median(rawRates),
      0.8,
    );

    const info = await jsm.streams.info(EVENTS_STREAM);
    const last = info.state.last_seq;
    note(`rebuild: raw ordered consumer over ${last} events`);
    const rawReplayStarted = process.hrtime.bigint();
    const consumer = await js.consumers.get(EVENTS_STREAM, {
      filter_subjects: `${EVENTS_PREFIX}.>`,
    });
    const messages = await consumer.consume();
    let parsed = 0;
    for await (const m of messages) {
      JSON.parse(new TextDecoder().decode(m.data));
      parsed++;
      if (m.info.pending === 0) break;
    }
    await messages.close();
    const rawReplaySeconds = Number(process.hrtime.bigint() - rawReplayStarted) / 1e9;

    note('rebuild: CIM projection rebuild');
    const projection = new CountByType();
    const failures = new KvFailureLog(await new Kvm(nc).open(PROJECTIONS_BUCKET));
    const runner = new ProjectionRunner(
      projection,
      store,
      new MemoryCheckpoints(),
      failures,
      silentLogger(),
    );
    const rebuildStarted = process.hrtime.bigint();
    await runner.rebuild();
    await runner.waitFor(last);
    const rebuildSeconds = Number(process.hrtime.bigint() - rebuildStarted) / 1e9;
    await runner.stop();
    const rebuild = figure(
      'rebuild',
      'events/s',
      last / rebuildSeconds,
      'raw ordered consumer + JSON.parse',
      parsed / rawReplaySeconds,
      0.5,
    );

    const pick = (i: number) => `r0-a${(i * 7919) % AGGREGATES}`;
    const expected = READS * (events / AGGREGATES);
    const subjectOf = (i: number) => `${EVENTS_PREFIX}.bench.Thing.${pick(i)}`;
    // Each side reads its own aggregates in each round, so neither finds the other's in a cache.
    const rawReadRates: number[] = [];
    const cimReadRates: number[] = [];
    for (let round = 0; round < READ_ROUNDS; round++) {
      const offset = round * READS * 2;
      note(`aggregate-read round ${round + 1}/${READ_ROUNDS}: direct gets, then CIM readAggregate`);
      let rawEvents = 0;
      const rawSeconds = await timed(READS, READ_IN_FLIGHT, async (i) => {
        const read = await directGets(jsm, subjectOf(offset + i));
        rawEvents += read;
      });
      let cimEvents = 0;
      const cimSeconds = await timed(READS, READ_IN_FLIGHT, async (i) => {
        // Read first, then add: `x += await f()` reads x before awaiting and loses updates.
        const events = await store.readAggregate({
          domain: 'bench',
          aggregate: 'Thing',
          aggregateId: pick(offset + READS + i),
        });
        cimEvents += events.length;
      });
      for (const [side, got] of [
        ['direct gets', rawEvents],
        ['CIM', cimEvents],
      ] as const) {
        if (got !== expected)
          throw new Error(
            `aggregate reads by ${side} returned ${got} events, expected ${expected}`,
          );
      }
      rawReadRates.push(READS / rawSeconds);
      cimReadRates.push(READS / cimSeconds);
    }
    const aggregateRead = figure(
      'aggregate-read',
      'aggregates/s',
      median(cimReadRates),
      `one direct get per event, ${READ_IN_FLIGHT} in flight, median of ${READ_ROUNDS}`,
      median(rawReadRates),
      0.8,
    );

    figures = [append, rebuild, aggregateRead];
  } finally {
    await nats.stop();
  }
  // On a server of its own, after the rest: a node's HTTP API, with and without sign-in.
  figures.push(await authOverhead('events', sync));
  return { figures, serverVersion: nats.serverVersion };
}
