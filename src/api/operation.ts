import type { z } from 'zod';
import type { Access, Principal } from '../core/access.js';
import { UnauthenticatedError } from '../core/errors.js';
import type { EventStore } from '../events/event-store.js';
import type { ServerFeatures } from '../nats/features.js';
import type { UnitService } from '../units/unit-service.js';
import type { CatalogReader } from '../knowledge/catalog-reader.js';
import type { ContentStore } from '../storage/content-store.js';
import type { StorageManager } from '../storage/storage-manager.js';
import type { EventArchive } from '../storage/archive/event-archive.js';
import type { EventArchiver } from '../storage/archive/event-archiver.js';
import type { BackupRunner } from '../storage/backup/backup-runner.js';
import type { ContentReads } from '../storage/content-reads.js';
import type { VerifyRuns } from '../storage/verify-runs.js';
import type { Scrubber } from '../storage/scrubber.js';
import type { ReadMark } from '../events/verify.js';
import type { PolicyRunner } from '../storage/policy-runner.js';
import type { ProjectionRunner } from '../events/projection-runner.js';
import type { ComponentRegistry } from '../registry/component-registry.js';
import type { PipelineCatalog } from '../pipeline/pipeline-catalog.js';
import type { PipelineService } from '../pipeline/pipeline-service.js';
import type { PluginSet } from '../plugins/plugin-registry.js';
import type { PipelineEngine } from '../pipeline/pipeline-engine.js';
import type { AuthService } from '../auth/auth-service.js';
import type { HubContext } from '../hub/hub-context.js';

/** The units component's services, present where that component runs. */
export interface UnitsContext {
  readonly service: UnitService;
  readonly catalog: CatalogReader;
  readonly content: ContentStore;
  /** Resolves once the catalog shows everything up to a stream position. */
  readonly catalogRunner: { waitFor(position: number): Promise<void> };
  /** The storage tiers and moves between them. */
  readonly storage: StorageManager;
  /** Lifecycle policies and their runs. */
  readonly policies: PolicyRunner;
  /** Users' reads of content: last-read times and rehydration into hot. */
  readonly reads: ContentReads;
  /** Storage verifications run in the background. */
  readonly verifications: VerifyRuns;
  /** The scheduled scrub and the reconciliation after an unclean stop, and what they found. */
  readonly scrubber: Scrubber;
  /** The event archive and the runs that seal (and purge) old events into it. */
  readonly archive: EventArchive;
  readonly archiver: EventArchiver;
  /** Backups of the node into a tier, by hand or on the schedule of `backup`. */
  readonly backups: BackupRunner;
}

/** The pipeline component's services, present where that component runs. */
export interface PipelinesContext {
  readonly service: PipelineService;
  readonly catalog: PipelineCatalog;
  readonly runner: ProjectionRunner;
  /** Plugins loaded (and refused) at start. */
  readonly plugins: PluginSet;
  readonly engine: PipelineEngine;
}

/** What handlers may use: the services of the process they run in. */
export interface OperationContext {
  readonly store: EventStore;
  readonly version: string;
  readonly nats: {
    readonly url: string;
    readonly serverVersion: string;
    readonly features: ServerFeatures;
  };
  /** The components this process runs. */
  readonly components: readonly string[];
  readonly startedAt: string;
  readonly units: UnitsContext | undefined;
  readonly pipelines: PipelinesContext | undefined;
  /** The Integration Hub, where it runs (with the units component). */
  readonly hub?: HubContext | undefined;
  /** Users and tokens (KV buckets every process reads, watched). */
  readonly auth: AuthService;
  /** True while callers must sign in (a user exists, or `auth.signIn` is `required`). */
  readonly signInRequired: () => boolean;
  /** The component registry (a KV bucket every process can read). */
  readonly registry: ComponentRegistry;
  /** Readers' checkpoints the event stream must still reach (see `cim events verify`). */
  readonly readMarks?: () => Promise<ReadMark[]>;
}

/**
 * Who one call is for: the authenticated principal (what events written by the call record as
 * `actor`) and the credential it presented, forwarded when the call goes on to another
 * component over NATS so that component authenticates the caller itself.
 */
export interface CallContext {
  /** Absent only for a `public` operation called without (valid) credentials. */
  readonly principal: Principal | undefined;
  /** The `Authorization` value to forward (`Bearer …` or `Session …`); absent in local mode. */
  readonly credential?: string;
  /** The caller's address, as the ui saw it (for sign-in limits and records). */
  readonly address?: string;
}

/**
 * The actor events written by `call` record: its principal's name. Operations that write need a
 * role, so the principal is there; a missing one is refused rather than recorded as nobody.
 */
export function actorOf(call: CallContext): string {
  if (call.principal === undefined)
    throw new UnauthenticatedError('Sign-in required: this operation records who calls it.');
  return call.principal.name;
}

/**
 * What names and places an operation: its component, its name, its HTTP route, and the access
 * it needs (a role, or `public`): the one place that says who may call it, over HTTP and NATS.
 */
export interface OperationInfo {
  readonly component: string;
  readonly name: string;
  readonly summary: string;
  readonly access: Access;
  readonly http?: {
    readonly method: 'GET' | 'POST';
    readonly path: string;
    readonly status?: number;
  };
}

/**
 * A value as a handler may return it for a reply of type `T`: the same shape, read-only all the
 * way down, so the services' read-only arrays and records are accepted as they are.
 */
export type ReplyOf<T> = T extends readonly (infer E)[]
  ? readonly ReplyOf<E>[]
  : T extends object
    ? { readonly [K in keyof T]: ReplyOf<T[K]> }
    : T;

/**
 * One API operation, served both over HTTP and on NATS subject `cim.api.<component>.<name>` by the
 * same handler. Input is validated once, at the edge, by its schema; the output schema (from
 * `src/api/schemas`) describes the reply, and `defineOperation` makes a handler that returns
 * anything else fail to compile.
 */
export interface Operation<I = unknown, O = unknown> extends OperationInfo {
  readonly input: z.ZodType<I>;
  readonly output: z.ZodType<O>;
  handle(input: I, ctx: OperationContext, call: CallContext): Promise<ReplyOf<O>>;
}

/**
 * Infers an operation's input type from its input schema and holds its handler to its output
 * schema: the reply type is the output schema's, never widened by what the handler returns.
 */
export function defineOperation<I, O>(
  operation: OperationInfo & {
    readonly input: z.ZodType<I>;
    readonly output: z.ZodType<O>;
    handle(input: I, ctx: OperationContext, call: CallContext): Promise<NoInfer<ReplyOf<O>>>;
  },
): Operation<I, O> {
  return operation;
}

/** An operation whose types have been erased so operations can share one list. */
export type AnyOperation = Operation<unknown, unknown>;
