import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import type { Config } from '../core/config.js';
import { CimError } from '../core/errors.js';
import type { EventStore } from '../events/event-store.js';
import type { Dispatcher } from '../api/dispatcher.js';
import type { CallContext } from '../api/operation.js';
import { showUnit } from '../api/operations/units.js';
import { apiOnlyUnitAccess, remoteUnitAccess } from '../api/unit-access.js';
import type { UnitAccess, UnitRecord } from '../api/unit-access.js';
import { openStorage } from '../storage/open-storage.js';
import { UnitService } from '../units/unit-service.js';

/**
 * Uploads and content for a process serving HTTP without the units component: its own unit
 * service and tiers on this process's NATS connection, the catalog asked over NATS. Returns
 * the access and how to close what it opened.
 */
export async function openRemoteUnitAccess(
  nc: NatsConnection,
  store: EventStore,
  dispatcher: Dispatcher,
  config: Config,
  logger: Logger,
): Promise<{ access: UnitAccess; close(): Promise<void> }> {
  const lookup = async (cid: string, call: CallContext): Promise<UnitRecord | undefined> => {
    try {
      return ((await dispatcher.invoke(showUnit, { cid }, call)) as { unit: UnitRecord }).unit;
    } catch (err) {
      // Here or answered over NATS, an unknown unit is the not_found code.
      if (err instanceof CimError && err.code === 'not_found') return undefined;
      throw err;
    }
  };
  // The ui's own NATS user may not touch the content stream or write events (permissions.ts).
  if (config.nats.credentials !== undefined)
    return { access: apiOnlyUnitAccess(lookup), close: async () => undefined };
  const storage = await openStorage(nc, store, config.storage.tiers, logger);
  const service = new UnitService(store, storage.manager, {
    spoolDir: join(config.dataDir, 'spool'),
    maxContentBytes: config.units.maxContentBytes,
  });
  return {
    access: remoteUnitAccess(service, storage.manager, lookup),
    close: () => storage.manager.close(),
  };
}
