import type { RecordedEvent } from '../core/envelope.js';
import { SourceRemoved } from '../core/catalogue/hub.js';
import { UnitIngested } from '../core/catalogue/units.js';
import type { Projection } from '../events/projection.js';
import { DOCUMENT_AGGREGATE, UNITS_DOMAIN } from '../units/unit-events.js';

const ACTOR_PREFIX = 'connector:';

/**
 * Which sources each connector's items have, and have not seen go: documents whose versions a
 * connector ingested (actor `connector:<name>`), less those it recorded `SourceRemoved` for. A
 * connector whose cursor cannot list all it took (a folder of 100,000 files, an S3 prefix) asks
 * it to tell what went while it was not running (`ItemSink.knownSources`). In memory, rebuilt
 * from the documents' events at every start.
 */
export class ConnectorSources implements Projection {
  readonly name = 'connector-sources';
  readonly filter = { domain: UNITS_DOMAIN, aggregate: DOCUMENT_AGGREGATE };
  private readonly byConnector = new Map<string, Set<string>>();
  private caughtUp: () => Promise<void> = async () => undefined;

  /** How to wait until the read model holds every document event written so far. */
  setCatchUp(wait: () => Promise<void>): void {
    this.caughtUp = wait;
  }

  handle(recorded: RecordedEvent): void {
    if (UnitIngested.is(recorded)) {
      const actor = recorded.event.actor;
      if (!actor.startsWith(ACTOR_PREFIX)) return;
      const connector = actor.slice(ACTOR_PREFIX.length);
      const sources = this.byConnector.get(connector) ?? new Set<string>();
      sources.add(UnitIngested.parse(recorded).unit.source);
      this.byConnector.set(connector, sources);
    } else if (SourceRemoved.is(recorded)) {
      const data = SourceRemoved.parse(recorded);
      this.byConnector.get(data.connector)?.delete(data.source);
    }
  }

  reset(): void {
    this.byConnector.clear();
  }

  /**
   * The sources of `connector` starting with `prefix`, once the read model holds every document
   * event written before the call (a hub just started replays them first).
   */
  async of(connector: string, prefix: string): Promise<string[]> {
    await this.caughtUp();
    return [...(this.byConnector.get(connector) ?? [])].filter((s) => s.startsWith(prefix));
  }
}
