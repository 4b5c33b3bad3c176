import type { AggregateRef } from '../core/subjects.js';

/**
 * Domain and aggregate type of connectors: `cim.events.hub.Connector.<name>` (every event of
 * src/core/catalogue/hub.ts except the two recorded on documents).
 */
export const HUB_DOMAIN = 'hub';
export const CONNECTOR_AGGREGATE = 'Connector';

/** The aggregate of connector `name`. */
export function connectorRef(name: string): AggregateRef {
  return { domain: HUB_DOMAIN, aggregate: CONNECTOR_AGGREGATE, aggregateId: name };
}
