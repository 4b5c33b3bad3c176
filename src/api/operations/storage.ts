import { z } from 'zod';
import { NotFoundError } from '../../core/errors.js';
import { validatePolicy } from '../../storage/policy.js';
import { actorOf, defineOperation } from '../operation.js';
import {
  contentLocationSchema,
  moveOutcomeSchema,
  policyAppliedSchema,
  policyListSchema,
  storageStatusSchema,
  verifyStartedSchema,
  verifyStatusSchema,
} from '../schemas/storage.js';
import { unitsOf } from './units.js';

const cid = z.string().min(10).max(200);
const tierName = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'a tier name such as hot or warm');

/** `GET /api/storage`: objects, bytes and units per tier, each unusable tier's fault as a sentence. */
export const storageStatus = defineOperation({
  component: 'units',
  name: 'storage-status',
  summary: 'Objects, bytes and units per storage tier.',
  access: 'reader',
  http: { method: 'GET', path: '/api/storage' },
  input: z.object({
    /** Figures up to this old may be served from the last listing (for views that poll). */
    maxAgeSeconds: z.coerce.number().int().min(0).max(3600).optional(),
  }),
  output: storageStatusSchema,
  async handle({ maxAgeSeconds }, ctx) {
    const units = unitsOf(ctx);
    // Counted per listing, not per request: a cached answer does not group the catalog again.
    const unitsWith = (cid: string) =>
      (perContent ??= units.catalog.unitsPerContent()).get(cid) ?? 0;
    let perContent: Map<string, number> | undefined;
    const tiers =
      maxAgeSeconds === undefined
        ? await units.storage.status(unitsWith)
        : await units.storage.recentStatus(maxAgeSeconds * 1000, unitsWith);
    return { tiers };
  },
});

/** `GET /api/storage/content/{cid}`: the tiers holding a content, and its last read by a user. */
export const locateContent = defineOperation({
  component: 'units',
  name: 'storage-locate',
  summary: 'The tiers holding a content.',
  access: 'reader',
  http: { method: 'GET', path: '/api/storage/content/:cid' },
  input: z.object({ cid }),
  output: contentLocationSchema,
  async handle({ cid }, ctx) {
    const units = unitsOf(ctx);
    const tiers = await units.storage.locate(cid);
    if (tiers.length === 0) {
      throw new NotFoundError(`No tier holds the content ${cid}: check the CID.`);
    }
    const lastRead = await units.reads.lastRead(cid);
    return {
      cid,
      tiers,
      lastReadAt: lastRead === undefined ? null : new Date(lastRead).toISOString(),
    };
  },
});

/** `POST /api/storage/tier`: moves (or with `keep`, copies) one content to a tier. */
export const tierContent = defineOperation({
  component: 'units',
  name: 'storage-tier',
  summary: 'Move one content to a tier, verified before the source is freed.',
  access: 'writer',
  http: { method: 'POST', path: '/api/storage/tier' },
  input: z.object({ cid, to: tierName, keep: z.boolean().default(false) }),
  output: moveOutcomeSchema,
  async handle({ cid, to, keep }, ctx, call) {
    const outcome = await unitsOf(ctx).storage.move(cid, to, { keep, actor: actorOf(call) });
    if (outcome.status === 'not-found') {
      throw new NotFoundError(`No tier holds the content ${cid}: check the CID.`);
    }
    return outcome;
  },
});

/**
 * `POST /api/storage/verify`: starts re-hashing every object of one tier (or of all) in the
 * background, or joins the run under way; 202 with the run.
 */
export const verifyStorage = defineOperation({
  component: 'units',
  name: 'storage-verify',
  summary:
    'Start re-hashing every object of a tier (or all tiers), and every copy the history places there; follow it with GET.',
  access: 'writer',
  http: { method: 'POST', path: '/api/storage/verify', status: 202 },
  input: z.object({ tier: tierName.optional(), repair: z.boolean().default(false) }),
  output: verifyStartedSchema,
  async handle({ tier, repair }, ctx) {
    return { run: unitsOf(ctx).verifications.start(tier, { repair }) };
  },
});

/** `GET /api/storage/verify`: the latest verification, its progress and, once done, its report. */
export const verifyStatus = defineOperation({
  component: 'units',
  name: 'storage-verify-status',
  summary: 'The latest storage verification: progress, then its report.',
  access: 'reader',
  http: { method: 'GET', path: '/api/storage/verify' },
  input: z.object({}),
  output: verifyStatusSchema,
  async handle(_input, ctx) {
    return { run: unitsOf(ctx).verifications.lastRun ?? null };
  },
});

/** `POST /api/storage/policies`: records a lifecycle policy and starts a run of it. */
export const applyPolicy = defineOperation({
  component: 'units',
  name: 'storage-policy-apply',
  summary: 'Record a lifecycle policy and start running it.',
  access: 'admin',
  http: { method: 'POST', path: '/api/storage/policies', status: 202 },
  input: z.object({ policy: z.unknown() }),
  output: policyAppliedSchema,
  async handle({ policy }, ctx, call) {
    const units = unitsOf(ctx);
    const valid = validatePolicy(
      policy,
      units.storage.tiers.map((t) => t.name),
      'The policy',
    );
    return { policy: valid, run: await units.policies.apply(valid, actorOf(call)) };
  },
});

/** `GET /api/storage/policies`: every policy with its latest run. */
export const listPolicies = defineOperation({
  component: 'units',
  name: 'storage-policy-list',
  summary: 'Lifecycle policies and their latest runs.',
  access: 'reader',
  http: { method: 'GET', path: '/api/storage/policies' },
  input: z.object({}),
  output: policyListSchema,
  async handle(_input, ctx) {
    return { policies: unitsOf(ctx).policies.list() };
  },
});
