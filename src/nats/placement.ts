import { JetStreamApiError } from './api-error.js';

/**
 * True for JetStream's refusals to place a replicated stream that clear by themselves: just
 * after a cluster starts (or a member restarts) its meta leader may not yet know every peer, and
 * answers "no suitable peers for placement" although all members are up.
 */
export function isPlacementPending(err: unknown): boolean {
  return err instanceof JetStreamApiError && /no suitable peers|peer offline/i.test(err.message);
}

/** How long provisioning and leaf attachment wait for placement to become possible. */
export const PLACEMENT_WAIT_MS = 30_000;
