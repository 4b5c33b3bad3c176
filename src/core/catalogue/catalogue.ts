import type { EventType } from '../event-type.js';
import {
  PasswordChanged,
  SessionRevoked,
  SignedIn,
  SignedOut,
  SignInFailed,
  TokenCreated,
  TokenRevoked,
  UserCreated,
  UserRoleChanged,
} from './auth.js';
import { EventArchivePurged, EventArchiveSealed } from './archive.js';
import { BackupCompleted } from './backup.js';
import {
  ConnectorApplied,
  ConnectorCheckpointed,
  ConnectorDeadLettersRetried,
  ConnectorFailed,
  ConnectorItemFailed,
  ConnectorPaused,
  ConnectorRemoved,
  ConnectorResumed,
  ConnectorRewound,
  SourceRemoved,
  UnitSeenAgain,
} from './hub.js';
import { PipelineApplied, PipelinePaused, PipelineResumed } from './pipelines.js';
import { StepCompleted, StepFailed, StepStarted, StepsCompleted } from './runs.js';
import { ContentLost, ContentRepaired, ContentTiered, StoragePolicyApplied } from './storage.js';
import { UnitAnnotated, UnitIngested } from './units.js';

/**
 * Every event type CIM writes, each defined once with the schema of its data. docs/contracts.md
 * lists the same types (a test keeps the two equal).
 */
export const EVENT_CATALOGUE: readonly EventType[] = [
  UnitIngested,
  UnitAnnotated,
  UnitSeenAgain,
  SourceRemoved,
  PipelineApplied,
  PipelinePaused,
  PipelineResumed,
  StepStarted,
  StepCompleted,
  StepsCompleted,
  StepFailed,
  ContentTiered,
  ContentLost,
  ContentRepaired,
  StoragePolicyApplied,
  EventArchiveSealed,
  EventArchivePurged,
  BackupCompleted,
  UserCreated,
  UserRoleChanged,
  PasswordChanged,
  TokenCreated,
  TokenRevoked,
  SignedIn,
  SignInFailed,
  SignedOut,
  SessionRevoked,
  ConnectorApplied,
  ConnectorPaused,
  ConnectorResumed,
  ConnectorRemoved,
  ConnectorFailed,
  ConnectorCheckpointed,
  ConnectorRewound,
  ConnectorItemFailed,
  ConnectorDeadLettersRetried,
];

const byType = new Map<string, EventType>(EVENT_CATALOGUE.map((e) => [e.type, e]));

/** The catalogued definition of an event type, or undefined for a type CIM does not write. */
export function eventTypeOf(type: string): EventType | undefined {
  return byType.get(type);
}
