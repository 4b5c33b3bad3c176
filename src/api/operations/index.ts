import type { AnyOperation } from '../operation.js';
import {
  changeUserRole,
  changeOwnPassword,
  resetUserPassword,
  createToken,
  createUser,
  listSessions,
  listTokens,
  listUsers,
  me,
  revokeSession,
  revokeToken,
  signInForToken,
} from './auth.js';
import { archiveEvents, archiveStatus } from './archive.js';
import { listAudit } from './audit.js';
import { backupStatus, startBackup } from './backup.js';
import { appendEvents, listEvents, verifyEventsOperation } from './events.js';
import { listComponents } from './components.js';
import { health } from './health.js';
import {
  applyPipeline,
  listPipelines,
  listPlugins,
  pausePipeline,
  pipelineStatus,
  retryPipeline,
  runPipeline,
  resumePipeline,
  showPipeline,
} from './pipelines.js';
import {
  applyPolicy,
  listPolicies,
  locateContent,
  storageStatus,
  tierContent,
  verifyStatus,
  verifyStorage,
} from './storage.js';
import {
  catalogStats,
  listUnits,
  searchUnits,
  showUnit,
  unitHistory,
  unitLineage,
} from './units.js';

/** Every API operation, in the order routes are registered. */
export const OPERATIONS: readonly AnyOperation[] = [
  health,
  listEvents,
  appendEvents,
  verifyEventsOperation,
  listAudit,
  archiveEvents,
  archiveStatus,
  startBackup,
  backupStatus,
  listUnits,
  showUnit,
  unitHistory,
  unitLineage,
  searchUnits,
  catalogStats,
  listComponents,
  applyPipeline,
  listPipelines,
  showPipeline,
  pausePipeline,
  resumePipeline,
  listPlugins,
  pipelineStatus,
  runPipeline,
  retryPipeline,
  storageStatus,
  locateContent,
  tierContent,
  verifyStorage,
  verifyStatus,
  applyPolicy,
  listPolicies,
  me,
  signInForToken,
  createUser,
  listUsers,
  changeUserRole,
  changeOwnPassword,
  resetUserPassword,
  createToken,
  listTokens,
  revokeToken,
  listSessions,
  revokeSession,
] as AnyOperation[];
