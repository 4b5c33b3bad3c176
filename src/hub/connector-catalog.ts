import type { RecordedEvent } from '../core/envelope.js';
import type { Projection } from '../events/projection.js';
import {
  ConnectorApplied,
  ConnectorCheckpointed,
  ConnectorDeadLettersRetried,
  ConnectorFailed,
  ConnectorItemFailed,
  ConnectorPaused,
  ConnectorRemoved,
  ConnectorResumed,
  ConnectorRewound,
} from '../core/catalogue/hub.js';
import type { ConnectorCounts, ConnectorDefinition } from '../core/catalogue/hub.js';
import type { ConnectorJson } from '../plugins/plugin-api.js';
import { CONNECTOR_AGGREGATE, HUB_DOMAIN } from './hub-events.js';

/** Where a connector is in its lifecycle. */
export type ConnectorState = 'configured' | 'running' | 'paused' | 'failed' | 'stopped';

/** One checkpoint as the read model keeps it (the recent ones are what `rewind` can go to). */
export interface CheckpointRecord {
  readonly position: number;
  readonly at: string;
  readonly cursor: ConnectorJson;
  readonly pollCompleted: boolean;
}

/** One dead letter: an item that failed, until a retry clears it. */
export interface DeadLetter {
  readonly source: string;
  readonly reason: string;
  readonly attempts: number;
  readonly at: string;
  readonly position: number;
}

/** A connector as listed: definition, state, position, counts, failures and dead letters. */
export interface ConnectorSummary {
  readonly name: string;
  readonly definition: ConnectorDefinition;
  readonly definitionCid: string;
  readonly state: ConnectorState;
  /** Why it is paused, failed or stopped (one sentence), else null. */
  readonly reason: string | null;
  /** The code of the last failure while `failed`, else null. */
  readonly code: string | null;
  /** Version of the connector aggregate. */
  readonly version: number;
  readonly updatedAt: string;
  /** When it last became active (applied, resumed): the baseline of `stalled` before a poll completes. */
  readonly activeSince: string;
  readonly lastCheckpoint: CheckpointRecord | null;
  /** When the last poll completed, or null when none has. */
  readonly lastCompletedAt: string | null;
  /** Where the next poll starts: the last checkpoint's cursor, or a rewind's. */
  readonly cursor: ConnectorJson | null;
  /** Stream position of the event that set {@link cursor} by a rewind or retry (0: none). */
  readonly rewoundAt: number;
  readonly counts: ConnectorCounts;
  readonly consecutiveFailures: number;
  readonly deadLetters: readonly DeadLetter[];
  /** The most recent checkpoints, oldest first. */
  readonly checkpoints: readonly CheckpointRecord[];
}

/** Most recent checkpoints kept for rewind, and dead letters kept per connector. */
export const RECENT_CHECKPOINTS = 100;
export const MAX_DEAD_LETTERS = 1000;

const ZERO: ConnectorCounts = { stored: 0, linked: 0, seenAgain: 0, failed: 0, removed: 0 };

function add(a: ConnectorCounts, b: ConnectorCounts): ConnectorCounts {
  return {
    stored: a.stored + b.stored,
    linked: a.linked + b.linked,
    seenAgain: a.seenAgain + b.seenAgain,
    failed: a.failed + b.failed,
    removed: a.removed + b.removed,
  };
}

/**
 * Whether a connector stopped making progress without saying so: it should be polling
 * (`configured` or `running`) but its last completed poll (or, before any, the moment it became
 * active) is older than twice its interval. Pure: `now` is given.
 */
export function isStalled(summary: ConnectorSummary, now: number): boolean {
  if (summary.state !== 'running' && summary.state !== 'configured') return false;
  const since = Date.parse(summary.lastCompletedAt ?? summary.activeSince);
  const activeSince = Date.parse(summary.activeSince);
  return now - Math.max(since, activeSince) > 2 * summary.definition.intervalMs;
}

/**
 * The connectors read model, kept in memory and rebuilt from the stream at every start:
 * connectors are few, and what it keeps of each is bounded (recent checkpoints, dead letters).
 */
export class ConnectorCatalog implements Projection {
  readonly name = 'connectors';
  readonly filter = { domain: HUB_DOMAIN, aggregate: CONNECTOR_AGGREGATE };
  private readonly connectors = new Map<string, ConnectorSummary>();
  private readonly listeners: ((name: string) => void)[] = [];

  /** Calls `listener` with a connector's name each time it changes. */
  onChange(listener: (name: string) => void): void {
    this.listeners.push(listener);
  }

  handle(recorded: RecordedEvent): void {
    const next = this.fold(this.connectors.get(recorded.event.aggregateId), recorded);
    if (next === undefined) return;
    this.connectors.set(next.name, next);
    for (const listener of this.listeners) listener(next.name);
  }

  private fold(
    current: ConnectorSummary | undefined,
    recorded: RecordedEvent,
  ): ConnectorSummary | undefined {
    const { event, position } = recorded;
    const at = event.occurredAt;
    const base = { version: event.version, updatedAt: at };
    if (ConnectorApplied.is(recorded)) {
      const data = ConnectorApplied.parse(recorded);
      // A removed connector applied again starts afresh; otherwise its position and history stay.
      const keep = current !== undefined && current.state !== 'stopped' ? current : undefined;
      const state: ConnectorState =
        keep?.state === 'paused' ? 'paused' : keep?.state === 'running' ? 'running' : 'configured';
      return {
        name: event.aggregateId,
        definition: data.definition,
        definitionCid: data.definitionCid,
        state,
        reason: state === 'paused' ? (keep?.reason ?? null) : null,
        code: null,
        ...base,
        activeSince: at,
        lastCheckpoint: current?.lastCheckpoint ?? null,
        lastCompletedAt: keep?.lastCompletedAt ?? null,
        cursor: current?.cursor ?? null,
        rewoundAt: current?.rewoundAt ?? 0,
        counts: current?.counts ?? ZERO,
        consecutiveFailures: 0,
        deadLetters: keep?.deadLetters ?? [],
        checkpoints: current?.checkpoints ?? [],
      };
    }
    if (current === undefined) return undefined;
    if (ConnectorCheckpointed.is(recorded)) {
      const data = ConnectorCheckpointed.parse(recorded);
      const checkpoint: CheckpointRecord = {
        position,
        at,
        cursor: data.cursor as ConnectorJson,
        pollCompleted: data.pollCompleted,
      };
      const active = current.state === 'configured' || current.state === 'failed';
      return {
        ...current,
        ...base,
        state: active ? 'running' : current.state,
        reason: active ? null : current.reason,
        code: active ? null : current.code,
        lastCheckpoint: checkpoint,
        lastCompletedAt: data.pollCompleted ? at : current.lastCompletedAt,
        cursor: checkpoint.cursor,
        counts: add(current.counts, data.counts),
        consecutiveFailures: 0,
        checkpoints: [...current.checkpoints, checkpoint].slice(-RECENT_CHECKPOINTS),
      };
    }
    if (ConnectorFailed.is(recorded)) {
      const data = ConnectorFailed.parse(recorded);
      const keepsState = current.state === 'paused' || current.state === 'stopped';
      return {
        ...current,
        ...base,
        state: keepsState ? current.state : 'failed',
        reason: keepsState ? current.reason : data.reason,
        code: keepsState ? current.code : data.code,
        consecutiveFailures: data.failures,
      };
    }
    if (ConnectorPaused.is(recorded) || ConnectorRemoved.is(recorded)) {
      const paused = ConnectorPaused.is(recorded);
      const data = (paused ? ConnectorPaused : ConnectorRemoved).parse(recorded);
      return {
        ...current,
        ...base,
        state: paused ? 'paused' : 'stopped',
        reason: data.reason,
        code: null,
      };
    }
    if (ConnectorResumed.is(recorded)) {
      ConnectorResumed.parse(recorded);
      return {
        ...current,
        ...base,
        state: current.lastCompletedAt === null ? 'configured' : 'running',
        reason: null,
        code: null,
        activeSince: at,
        consecutiveFailures: 0,
      };
    }
    if (ConnectorRewound.is(recorded)) {
      const data = ConnectorRewound.parse(recorded);
      return { ...current, ...base, cursor: data.cursor as ConnectorJson, rewoundAt: position };
    }
    if (ConnectorItemFailed.is(recorded)) {
      const data = ConnectorItemFailed.parse(recorded);
      const letter: DeadLetter = { ...data, at, position };
      const others = current.deadLetters.filter((d) => d.source !== data.source);
      return {
        ...current,
        ...base,
        deadLetters: [...others, letter].slice(-MAX_DEAD_LETTERS),
      };
    }
    if (ConnectorDeadLettersRetried.is(recorded)) {
      const data = ConnectorDeadLettersRetried.parse(recorded);
      const retried = new Set(data.sources);
      return {
        ...current,
        ...base,
        deadLetters: current.deadLetters.filter((d) => !retried.has(d.source)),
        cursor: data.cursor as ConnectorJson,
        rewoundAt: position,
      };
    }
    return undefined;
  }

  reset(): void {
    this.connectors.clear();
  }

  /** Every connector, removed ones included (state `stopped`), by name. */
  list(): ConnectorSummary[] {
    return [...this.connectors.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** One connector, or undefined when none has that name. */
  get(name: string): ConnectorSummary | undefined {
    return this.connectors.get(name);
  }
}
