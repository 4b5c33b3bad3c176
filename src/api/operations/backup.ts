import { z } from 'zod';
import { defineOperation } from '../operation.js';
import { backupStartedSchema, backupStatusSchema } from '../schemas/backup.js';
import { unitsOf } from './units.js';

const tierName = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'a tier name such as backup');

/** `POST /api/backup`: starts backing the node up into a tier. */
export const startBackup = defineOperation({
  component: 'units',
  name: 'backup',
  summary:
    'Back the node up into a tier (events, KV state, content, consumers), adding to the newest backup there when incremental.',
  access: 'admin',
  http: { method: 'POST', path: '/api/backup', status: 202 },
  input: z.object({ to: tierName, incremental: z.boolean().default(false) }).strict(),
  output: backupStartedSchema,
  async handle(input, ctx) {
    return { run: unitsOf(ctx).backups.start(input) };
  },
});

/** `GET /api/backup`: the latest backup run. */
export const backupStatus = defineOperation({
  component: 'units',
  name: 'backup-status',
  summary: 'The latest backup run since the node started, with its progress.',
  access: 'reader',
  http: { method: 'GET', path: '/api/backup' },
  input: z.object({}),
  output: backupStatusSchema,
  async handle(_input, ctx) {
    return { run: unitsOf(ctx).backups.lastRun ?? null };
  },
});
