import type { EventEnvelope, JsonValue, RecordedEvent } from './envelope.js';
import type { EventType } from './event-type.js';
import { EventArchivePurged, EventArchiveSealed } from './catalogue/archive.js';
import {
  SessionRevoked,
  SignedIn,
  SignedOut,
  SignInFailed,
  TokenCreated,
  TokenRevoked,
  UserCreated,
  UserRoleChanged,
} from './catalogue/auth.js';
import { BackupCompleted } from './catalogue/backup.js';
import { PipelineApplied, PipelinePaused, PipelineResumed } from './catalogue/pipelines.js';
import { ContentTiered, StoragePolicyApplied } from './catalogue/storage.js';

/** One event type of the audit trail: where it is recorded and how one line tells it. */
export interface AuditRule {
  readonly type: string;
  /** The domain and aggregate its events are recorded on (what the trail reads). */
  readonly domain: string;
  readonly aggregate: string;
  /** Whether this event of the type is a change someone made (default: every one is). */
  includes(event: EventEnvelope): boolean;
  /** A short line saying what changed, from the event's data. */
  summary(event: RecordedEvent): string;
}

/**
 * An audit rule for a catalogued type: `summary` reads the type's checked data; an event whose
 * data does not match its schema is still listed, with a line saying so.
 */
export function audited<T extends string, D extends JsonValue>(
  type: EventType<T, D>,
  where: `${string}.${string}`,
  summary: (data: D, event: EventEnvelope) => string,
  includes: (event: EventEnvelope) => boolean = () => true,
): AuditRule {
  const [domain = '', aggregate = ''] = where.split('.');
  return {
    type: type.type,
    domain,
    aggregate,
    includes,
    summary(recorded) {
      const parsed = type.safeParse(recorded);
      const { event } = recorded;
      return parsed.ok
        ? summary(parsed.data, event)
        : `${event.type} on ${event.aggregate} ${event.aggregateId} (its data is malformed)`;
    },
  };
}

/** Moves made by a lifecycle policy are the policy's doing, recorded by its application. */
const notByPolicy = (event: EventEnvelope) => !event.actor.startsWith('policy:');

/**
 * Every event type of the audit trail: changes people (or their tokens) make, not the machine's
 * own work (pipeline runs, policy moves, repairs). One line per type; another domain adds its
 * types here.
 */
export const AUDIT_RULES: readonly AuditRule[] = [
  audited(UserCreated, 'auth.User', (d) => `created user ${d.username} (${d.role})`),
  audited(
    UserRoleChanged,
    'auth.User',
    (d) => `changed ${d.username}'s role from ${d.from} to ${d.to}`,
  ),
  audited(
    TokenCreated,
    'auth.Token',
    (d) =>
      `created token ${d.name} (${d.role}${d.expiresAt === null ? '' : `, expires ${d.expiresAt}`})`,
  ),
  audited(TokenRevoked, 'auth.Token', (d) => `revoked token ${d.name}`),
  audited(
    SignedIn,
    'auth.User',
    (d) => `${d.username} signed in${d.address === null ? '' : ` from ${d.address}`}`,
  ),
  audited(
    SignInFailed,
    'auth.User',
    (d) =>
      `failed sign-in as ${d.username} (${d.reason.replace('_', ' ')})${d.address === null ? '' : ` from ${d.address}`}`,
  ),
  audited(SignedOut, 'auth.User', (d) => `${d.username} signed out`),
  audited(SessionRevoked, 'auth.User', (d) => `revoked a session of ${d.username}`),
  audited(PipelineApplied, 'pipelines.Pipeline', (d) => `applied pipeline ${d.definition.name}`),
  audited(
    PipelinePaused,
    'pipelines.Pipeline',
    (d, e) => `paused pipeline ${e.aggregateId}${d.reason === null ? '' : `: ${d.reason}`}`,
  ),
  audited(PipelineResumed, 'pipelines.Pipeline', (_d, e) => `resumed pipeline ${e.aggregateId}`),
  audited(StoragePolicyApplied, 'storage.Policy', (d) => `applied storage policy ${d.name}`),
  audited(
    ContentTiered,
    'storage.Content',
    (d) => `moved content ${d.cid} from ${d.from} to ${d.to}${d.kept ? ' (kept a copy)' : ''}`,
    notByPolicy,
  ),
  audited(
    BackupCompleted,
    'storage.Backup',
    (d) =>
      `backed up to tier ${d.tier} (${d.previous === null ? 'full' : 'incremental'}, ${d.events} events)`,
  ),
  audited(
    EventArchiveSealed,
    'storage.EventArchive',
    (d) => `archived events through position ${d.sealedThrough}`,
  ),
  audited(
    EventArchivePurged,
    'storage.EventArchive',
    (d) => `purged archived events through position ${d.purgedThrough}`,
  ),
];

const byType = new Map(AUDIT_RULES.map((rule) => [rule.type, rule]));

/** The rule for an event type, or undefined when the type is not part of the audit trail. */
export function auditRuleOf(type: string): AuditRule | undefined {
  return byType.get(type);
}

/** Whether a recorded event belongs in the audit trail. */
export function isAudited(event: EventEnvelope): boolean {
  return byType.get(event.type)?.includes(event) ?? false;
}
