import { dagCborCid } from '../core/cid.js';
import { InvalidInputError, NotFoundError, VersionConflictError } from '../core/errors.js';
import type { EventDraft, EventStore } from '../events/event-store.js';
import {
  ConnectorApplied,
  ConnectorDeadLettersRetried,
  ConnectorPaused,
  ConnectorRemoved,
  ConnectorResumed,
  ConnectorRewound,
} from '../core/catalogue/hub.js';
import type { ConnectorDefinition } from '../core/catalogue/hub.js';
import { ConnectorCatalog } from './connector-catalog.js';
import type { ConnectorSummary } from './connector-catalog.js';
import { connectorRef } from './hub-events.js';

/** What a command on a connector did. */
export interface ConnectorCommandResult {
  readonly name: string;
  /** `unchanged` when the connector already was as asked (no event recorded). */
  readonly outcome:
    'created' | 'updated' | 'unchanged' | 'paused' | 'resumed' | 'removed' | 'rewound' | 'retried';
  readonly version: number;
  /** Stream position of the recorded event (0 when nothing was recorded). */
  readonly position: number;
}

const ATTEMPTS = 5;

/**
 * Commands on connectors, each recorded as an event on `hub.Connector.<name>` so a connector's
 * whole history (definitions, lifecycle, checkpoints) is kept. The connector's events are read
 * to decide, and the append carries their version: the server refuses it if another event came
 * in between (a checkpoint of the running connector), and the command is decided again.
 */
export class HubService {
  constructor(private readonly events: EventStore) {}

  /** Records a definition as the connector's new version, unless it equals the current one. */
  async apply(definition: ConnectorDefinition, actor?: string): Promise<ConnectorCommandResult> {
    const definitionCid = dagCborCid(definition);
    return this.decide(definition.name, actor, (current) => {
      const live = current !== undefined && current.state !== 'stopped';
      if (live && current.definitionCid === definitionCid) return undefined;
      return {
        draft: ConnectorApplied.draft({ definition, definitionCid }),
        outcome: live ? 'updated' : 'created',
      };
    });
  }

  /** Stops the connector polling; its cursor stays where it is. */
  async pause(name: string, reason: string | null, actor?: string) {
    return this.decide(name, actor, (current) => {
      const found = existing(name, current);
      if (found.state === 'paused') return undefined;
      return { draft: ConnectorPaused.draft({ reason }), outcome: 'paused' };
    });
  }

  /** Lets a paused or failed connector poll again, from its last checkpoint. */
  async resume(name: string, actor?: string) {
    return this.decide(name, actor, (current) => {
      const found = existing(name, current);
      if (found.state !== 'paused' && found.state !== 'failed') return undefined;
      return { draft: ConnectorResumed.draft({ reason: null }), outcome: 'resumed' };
    });
  }

  /** Removes the connector: it polls no more; what it brought in stays. */
  async remove(name: string, reason: string | null, actor?: string) {
    return this.decide(name, actor, (current) => {
      existing(name, current);
      return { draft: ConnectorRemoved.draft({ reason }), outcome: 'removed' };
    });
  }

  /**
   * Makes the next poll start from the cursor of the checkpoint at stream position
   * `toPosition`, which must be one of the connector's own (its recent checkpoints).
   */
  async rewind(name: string, toPosition: number, reason: string | null, actor?: string) {
    return this.decide(name, actor, (current) => {
      const found = existing(name, current);
      const checkpoint = found.checkpoints.find((c) => c.position === toPosition);
      if (checkpoint === undefined) {
        const known = found.checkpoints.slice(-5).map((c) => c.position);
        throw new InvalidInputError(
          `Connector ${JSON.stringify(name)} has no checkpoint at position ${toPosition}: pick one of its checkpoints (cim connector show ${name}${known.length > 0 ? `; recent: ${known.join(', ')}` : ''}).`,
        );
      }
      return {
        draft: ConnectorRewound.draft({ toPosition, cursor: checkpoint.cursor, reason }),
        outcome: 'rewound',
      };
    });
  }

  /**
   * Clears the connector's dead letters and has the next poll read again from the checkpoint
   * before the first of them (from the beginning when there is none), so each failed item is
   * tried again and what was stored meanwhile is only seen again.
   */
  async retryDeadLetters(name: string, actor?: string) {
    return this.decide(name, actor, (current) => {
      const found = existing(name, current);
      if (found.deadLetters.length === 0) return undefined;
      const first = Math.min(...found.deadLetters.map((d) => d.position));
      const before = found.checkpoints.filter((c) => c.position < first).at(-1);
      return {
        draft: ConnectorDeadLettersRetried.draft({
          sources: found.deadLetters.map((d) => d.source),
          toPosition: before?.position ?? 0,
          cursor: before?.cursor ?? null,
        }),
        outcome: 'retried',
      };
    });
  }

  /** The connector as its own events say, read from the store (not the read model). */
  async current(name: string): Promise<ConnectorSummary | undefined> {
    const fold = new ConnectorCatalog();
    for (const event of await this.events.readAggregate(connectorRef(name))) fold.handle(event);
    return fold.get(name);
  }

  private async decide(
    name: string,
    actor: string | undefined,
    command: (
      current: ConnectorSummary | undefined,
    ) => { draft: EventDraft; outcome: ConnectorCommandResult['outcome'] } | undefined,
  ): Promise<ConnectorCommandResult> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.current(name);
      const decision = command(current);
      if (decision === undefined) {
        return { name, outcome: 'unchanged', version: current?.version ?? 0, position: 0 };
      }
      try {
        const result = await this.events.append(connectorRef(name), [decision.draft], {
          expectedVersion: current?.version ?? 0,
          ...(actor !== undefined ? { actor } : {}),
        });
        return {
          name,
          outcome: decision.outcome,
          version: result.version,
          position: result.events[0]!.position,
        };
      } catch (err) {
        if (!(err instanceof VersionConflictError) || attempt >= ATTEMPTS) throw err;
      }
    }
  }
}

function existing(name: string, current: ConnectorSummary | undefined): ConnectorSummary {
  if (current === undefined || current.state === 'stopped') {
    throw new NotFoundError(
      `There is no connector ${JSON.stringify(name)}: apply its definition first (cim connector apply FILE).`,
    );
  }
  return current;
}
