import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import type { TierConfig } from '../core/config.js';
import type { EventStore } from '../events/event-store.js';
import { EventArchive } from './archive/event-archive.js';
import { StorageManager } from './storage-manager.js';
import { JetStreamTier } from './tiers/jetstream-tier.js';
import { openTiers } from './tiers/open-tiers.js';

/** The storage a component uses: the tiers (the content store reading through them), the archive. */
export interface OpenedStorage {
  /** The tiers, and the content store components read and write content through. */
  readonly manager: StorageManager;
  /** The event archive, which `events` now reads positions purged from the stream from. */
  readonly archive: EventArchive;
}

/**
 * Opens the hot tier and the configured ones, and has `events` read archived history through
 * them. With `checkTiers`, each configured tier is checked once and a tier that cannot be used
 * is logged as one sentence; the node still starts (its content stays readable from the other
 * tiers), and `cim storage status` repeats the sentence.
 */
export async function openStorage(
  nc: NatsConnection,
  events: EventStore,
  tiers: Readonly<Record<string, TierConfig>>,
  logger: Logger,
  options: { checkTiers?: boolean; safetyTier?: string } = {},
): Promise<OpenedStorage> {
  const hot = await JetStreamTier.open(nc);
  const below = await openTiers(tiers);
  if (options.checkTiers) {
    await Promise.all(
      below.map((tier) =>
        tier.check().then(
          () => logger.info({ tier: tier.name }, 'storage tier ready'),
          (err: unknown) =>
            logger.warn(`storage tier ${tier.name} cannot be used: ${(err as Error).message}`),
        ),
      ),
    );
  }
  const manager = new StorageManager([hot, ...below], events, logger, options.safetyTier);
  const archive = new EventArchive(events, manager);
  events.useArchive(archive);
  return { manager, archive };
}
