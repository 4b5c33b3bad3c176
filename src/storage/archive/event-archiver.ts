import type { JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { eventCidString } from '../../core/cid.js';
import { EventArchivePurged, EventArchiveSealed } from '../../core/catalogue/archive.js';
import { IntegrityError, InvalidInputError, toCimError } from '../../core/errors.js';
import { EVENTS_STREAM } from '../../core/subjects.js';
import type { ArchivedEvent, EventArchiveState } from '../../events/archived-history.js';
import { EVENT_ARCHIVE_REF } from '../../events/archived-history.js';
import type { EventStore } from '../../events/event-store.js';
import type { StorageManager } from '../storage-manager.js';
import type { SegmentRef } from './archive-format.js';
import {
  encodeIndex,
  encodeSegment,
  SEGMENT_MAX_BODY_BYTES,
  SEGMENT_MAX_EVENTS,
} from './archive-format.js';
import type { EventArchive } from './event-archive.js';

/** What one archive run is asked to do. */
export interface ArchiveRequest {
  /** The tier the segments and index go to. */
  readonly to: string;
  /** Seal positions up to this one (default: the stream's end when the run starts). */
  readonly through?: number | undefined;
  /** Only events recorded longer ago than this many seconds. */
  readonly olderThanSeconds?: number | undefined;
  /** Then remove the sealed events from the stream, keeping each aggregate's last one. */
  readonly purge: boolean;
}

/** One archive run, as `GET /api/events/archive` reports it. */
export interface ArchiveRun {
  readonly request: ArchiveRequest;
  state: 'running' | 'done' | 'failed';
  phase: 'sealing' | 'purging' | 'finished';
  /** The last position this run seals (known once it started). */
  through: number;
  /** Events and segments sealed, and their bytes. */
  events: number;
  segments: number;
  bytes: number;
  /** Messages removed from the stream. */
  purged: number;
  readonly startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

/** Purges run this many subjects at a time. */
const PURGE_CONCURRENCY = 8;

/**
 * Seals old ranges of the event stream into the event archive, then (when asked) purges them
 * from JetStream. Order makes every step safe to cut short: segments and the index are written
 * and verified in the tier before `EventArchiveSealed` records them; readers are switched to the
 * archive (`EventArchivePurged` with the new `purgedThrough`) before anything is removed; a purge
 * cut short is finished by the next run. Each aggregate keeps its last event in the stream, so
 * heads and the server's expected-version checks are unchanged.
 */
export class EventArchiver {
  private current: ArchiveRun | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly events: EventStore,
    private readonly archive: EventArchive,
    private readonly storage: StorageManager,
    private readonly jsm: JetStreamManager,
    private readonly logger: Logger,
  ) {}

  /** The latest run since start, if any. */
  get lastRun(): ArchiveRun | undefined {
    return this.current;
  }

  /** Starts a run in the background; refuses while one is running or for an unknown tier. */
  start(request: ArchiveRequest): ArchiveRun {
    if (this.current?.state === 'running') {
      throw new InvalidInputError(
        'An archive run is already under way: wait for it to finish (cim events archive --status).',
      );
    }
    if (!this.storage.tier(request.to)) {
      throw new InvalidInputError(
        `There is no tier ${JSON.stringify(request.to)}: choose one of ${this.storage.tiers.map((t) => t.name).join(', ')}.`,
      );
    }
    const run: ArchiveRun = {
      request,
      state: 'running',
      phase: 'sealing',
      through: 0,
      events: 0,
      segments: 0,
      bytes: 0,
      purged: 0,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      error: null,
    };
    this.current = run;
    void this.execute(run).then(
      () => {
        run.state = 'done';
      },
      (err: unknown) => {
        run.state = 'failed';
        run.error = toCimError(err).message;
        this.logger.warn({ err: run.error }, 'event archive run failed');
      },
    );
    return run;
  }

  /**
   * Starts `request` now and every `intervalMs` (a run still under way, e.g. one started by hand,
   * is left to finish), until {@link stop}.
   */
  schedule(request: ArchiveRequest, intervalMs: number): void {
    const tick = () => {
      if (this.current?.state === 'running') return;
      try {
        this.start(request);
      } catch (err) {
        this.logger.warn({ err: toCimError(err).message }, 'scheduled event archive not started');
      }
    };
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  /** Stops the schedule and waits for the run under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.settled();
  }

  /** Resolves when the current run (if any) has ended. */
  async settled(): Promise<void> {
    while (this.current?.state === 'running') await new Promise((r) => setTimeout(r, 50));
  }

  private async execute(run: ArchiveRun): Promise<void> {
    try {
      let state = await this.archive.state();
      if (run.request.purge && state.purgedThrough > state.purgeDoneThrough) {
        state = await this.purge(run, state);
      }
      state = await this.seal(run, state);
      if (run.request.purge) await this.purge(run, state);
    } finally {
      run.phase = 'finished';
      run.finishedAt = new Date().toISOString();
    }
  }

  private async seal(
    run: ArchiveRun,
    state: EventArchiveState & { version: number },
  ): Promise<EventArchiveState & { version: number }> {
    const info = await this.jsm.streams.info(EVENTS_STREAM);
    const end = info.state.last_seq;
    run.through = Math.min(run.request.through ?? end, end);
    const cutoff =
      run.request.olderThanSeconds === undefined
        ? Infinity
        : Date.now() - run.request.olderThanSeconds * 1000;
    const added: SegmentRef[] = [];
    let batch: ArchivedEvent[] = [];
    let batchBytes = 0;
    let sealedThrough = state.sealedThrough;
    const flush = async () => {
      if (batch.length === 0) return;
      const object = encodeSegment(EVENTS_STREAM, batch);
      await this.storage.putVerified(run.request.to, object.cid, object.bytes);
      added.push({
        cid: object.cid,
        first: batch[0]!.position,
        last: batch.at(-1)!.position,
        events: batch.length,
        bytes: object.bytes.length,
        firstRecordedAt: batch[0]!.recordedAt,
        lastRecordedAt: batch.at(-1)!.recordedAt,
      });
      sealedThrough = batch.at(-1)!.position;
      run.events += batch.length;
      run.segments++;
      run.bytes += object.bytes.length;
      batch = [];
      batchBytes = 0;
    };
    if (run.through > state.sealedThrough) {
      for await (const msg of this.events.scan({ after: state.sealedThrough })) {
        if (msg.position > run.through || msg.recordedAt >= cutoff) break;
        if (msg.headerCid !== eventCidString(msg.body)) {
          throw new IntegrityError(
            `The event at position ${msg.position} does not hash to its recorded CID: run cim events verify; nothing past it was archived.`,
          );
        }
        batch.push({ ...msg, cid: msg.headerCid });
        batchBytes += msg.body.length;
        if (batch.length >= SEGMENT_MAX_EVENTS || batchBytes >= SEGMENT_MAX_BODY_BYTES) {
          await flush();
        }
      }
      await flush();
    }
    if (added.length === 0) return state;
    const index = encodeIndex({
      stream: EVENTS_STREAM,
      previous: state.index,
      sealedAt: new Date().toISOString(),
      segments: added,
    });
    await this.storage.putVerified(run.request.to, index.cid, index.bytes);
    const next: EventArchiveState = {
      ...stateOnly(state),
      index: index.cid,
      sealedThrough,
      events: state.events + run.events,
      segments: state.segments + run.segments,
      bytes: state.bytes + run.bytes + index.bytes.length,
    };
    return this.record(EventArchiveSealed, next, state.version);
  }

  /**
   * Switches readers to the archive for every sealed position, then removes those messages from
   * the stream, keeping each aggregate's last one, and records that the purge is done.
   */
  private async purge(
    run: ArchiveRun,
    state: EventArchiveState & { version: number },
  ): Promise<EventArchiveState & { version: number }> {
    run.phase = 'purging';
    const from = state.purgeDoneThrough;
    let current = state;
    if (state.purgedThrough < state.sealedThrough) {
      current = await this.record(
        EventArchivePurged,
        { ...stateOnly(state), purgedThrough: state.sealedThrough },
        state.version,
      );
    }
    const through = current.purgedThrough;
    if (through <= from) return current;
    const lastOfSubject = new Map<string, number>();
    for await (const e of this.archive.scan(from, through))
      lastOfSubject.set(e.subject, e.position);
    // Nothing lies below position 1, and nats-server reads a purge `seq` of 1 as "no bound",
    // which would remove the subject's only (kept) event: such a subject is left alone.
    const subjects = [...lastOfSubject].filter(([, seq]) => seq > 1);
    for (let i = 0; i < subjects.length; i += PURGE_CONCURRENCY) {
      const purged = await Promise.all(
        subjects
          .slice(i, i + PURGE_CONCURRENCY)
          .map(([filter, seq]) => this.jsm.streams.purge(EVENTS_STREAM, { filter, seq })),
      );
      for (const p of purged) run.purged += p.purged;
    }
    return this.record(
      EventArchivePurged,
      { ...stateOnly(current), purgeDoneThrough: through },
      current.version,
    );
  }

  private async record(
    type: typeof EventArchiveSealed | typeof EventArchivePurged,
    state: EventArchiveState,
    version: number,
  ): Promise<EventArchiveState & { version: number }> {
    // The expected version makes a concurrent run (another node) fail rather than interleave.
    const result = await this.events.append(EVENT_ARCHIVE_REF, [type.draft(state)], {
      expectedVersion: version,
      actor: 'storage',
    });
    return { ...state, version: result.version };
  }
}

function stateOnly(state: EventArchiveState & { version?: number }): EventArchiveState {
  const { version: _version, ...rest } = state;
  return rest;
}
