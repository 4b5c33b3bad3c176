import { InvalidInputError } from '../core/errors.js';

/**
 * The components a process can run. `events` answers the event-store API on NATS; `units`
 * ingests content and keeps the catalog and search read models (SQLite in the data folder);
 * `pipeline` keeps pipeline definitions (as events) and runs them;
 * `registry` answers who runs where and removes records of components that stopped beating;
 * `ui` serves HTTP (the API and the web app), reaching other components over NATS when
 * they run elsewhere. More arrive with their issues (storage, hub). The list is in core because
 * deployment (inventories, Nix modules) names components too, and only runtime starts them.
 */
export const COMPONENTS = ['events', 'units', 'registry', 'pipeline', 'ui'] as const;

export type ComponentName = (typeof COMPONENTS)[number];

/** Validates a component name given on the command line. */
export function parseComponent(name: string): ComponentName {
  if ((COMPONENTS as readonly string[]).includes(name)) return name as ComponentName;
  throw new InvalidInputError(
    `There is no component ${JSON.stringify(name)}: choose one of ${COMPONENTS.join(', ')}.`,
  );
}
