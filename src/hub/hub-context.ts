import type { PluginSet } from '../plugins/plugin-registry.js';
import type { ConnectorCatalog } from './connector-catalog.js';
import type { HubService } from './hub-service.js';

/** What the hub's operations use, where the hub runs. */
export interface HubContext {
  readonly service: HubService;
  readonly catalog: ConnectorCatalog;
  readonly plugins: PluginSet;
  /** Resolves once the read model shows everything up to a stream position. */
  waitFor(position: number): Promise<void>;
  /** Polls a connector now; false when this process does not run it. */
  runNow(name: string): boolean;
}
