/**
 * Shapes of the HTTP API's replies the app reads: the server's own schema types
 * (src/api/schemas, also served as /api/openapi.json), under the names the app uses.
 */
export type {
  AuditEntry,
  AuditPage,
  BackfillProgress,
  DeadLetter,
  EventPage,
  Health,
  Lineage,
  Pipeline,
  PipelineStatus,
  PipelineStep,
  Plugin,
  PluginList,
  RecordedEventJson as RecordedEvent,
  RegisteredComponent,
  SearchHit,
  SearchResult,
  TierStatus,
  Unit,
  UnitDetail,
  UnitPage,
} from '../../../src/api/schemas/index.js';
