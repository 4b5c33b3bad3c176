import { InvalidInputError } from '../core/errors.js';

/**
 * The components a process can run. `events` answers the event-store API on NATS; `ui` serves
 * HTTP (the API and, later, the web app), reaching other components over NATS when they run
 * elsewhere. More arrive with their issues (units, registry, pipeline, storage, hub).
 */
export const COMPONENTS = ['events', 'ui'] as const;

export type ComponentName = (typeof COMPONENTS)[number];

/** Validates a component name given on the command line. */
export function parseComponent(name: string): ComponentName {
  if ((COMPONENTS as readonly string[]).includes(name)) return name as ComponentName;
  throw new InvalidInputError(
    `There is no component ${JSON.stringify(name)}: choose one of ${COMPONENTS.join(', ')}.`,
  );
}
