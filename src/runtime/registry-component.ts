import type { Logger } from 'pino';
import type { Config } from '../core/config.js';
import type { ComponentRegistry } from '../registry/component-registry.js';
import { Registration } from '../registry/registration.js';
import { CIM_VERSION } from './version.js';

/** This process's presence in the registry; stop it before NATS closes. */
export interface Presence {
  stop(): Promise<void>;
}

/**
 * Registers every component this process runs (capability `component:<name>` and what its
 * plugins offer, its NATS endpoints) with a heartbeat; where the `registry` component runs, it also sweeps records of
 * components that stopped beating, so clients that only read the bucket see them leave too.
 */
export async function startPresence(
  registry: ComponentRegistry,
  components: readonly string[],
  endpoints: ReadonlyMap<string, readonly string[]>,
  offered: ReadonlyMap<string, readonly string[]>,
  config: Config,
  logger: Logger,
): Promise<Presence> {
  const registrations: Registration[] = [];
  const stopAll = async () => {
    await Promise.all(
      registrations.map((r) =>
        r.stop().catch((err: unknown) => logger.warn({ err }, 'registry record not removed')),
      ),
    );
  };
  try {
    for (const name of components) {
      registrations.push(
        await Registration.start(
          registry,
          {
            kind: 'component',
            name,
            version: CIM_VERSION,
            capabilities: [`component:${name}`, ...(offered.get(name) ?? [])],
            endpoints: endpoints.get(name) ?? [],
            heartbeatSeconds: config.registry.heartbeatSeconds,
            ttlSeconds: config.registry.ttlSeconds,
          },
          logger,
        ),
      );
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  let sweeper: NodeJS.Timeout | undefined;
  if (components.includes('registry')) {
    sweeper = setInterval(() => {
      registry
        .sweep()
        .then((gone) => {
          if (gone.length > 0) logger.info({ gone }, 'components stopped beating');
        })
        .catch((err: unknown) => logger.warn({ err }, 'registry sweep failed'));
    }, config.registry.heartbeatSeconds * 1000);
    sweeper.unref();
  }
  return {
    async stop() {
      if (sweeper !== undefined) clearInterval(sweeper);
      await stopAll();
    },
  };
}
