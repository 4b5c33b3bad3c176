/** Shapes of the HTTP API's replies the app reads (docs/contracts.md). */

export interface Unit {
  readonly unitCid: string;
  readonly documentId: string;
  readonly version: number;
  readonly position: number;
  readonly latest: boolean;
  readonly content: string;
  readonly mediaType: string;
  readonly size: number;
  readonly name: string;
  readonly source: string;
  readonly createdAt: string;
  readonly tags: readonly string[];
  readonly context: string | null;
  readonly derivedFrom: readonly string[];
  readonly producedBy: { readonly processor: string; readonly parameters: string } | null;
  readonly previous: string | null;
}

export interface UnitPage {
  readonly units: readonly Unit[];
  readonly next: number | null;
}

export interface UnitDetail {
  readonly unit: Unit;
  readonly versions: readonly Unit[];
}

export interface Lineage {
  readonly unit: Unit;
  readonly ancestors: readonly Unit[];
  readonly descendants: readonly Unit[];
  readonly edges: readonly { readonly child: string; readonly parent: string }[];
  readonly relations: readonly { readonly type: string; readonly target: string }[];
}

export interface SearchHit {
  readonly unit: Unit;
  readonly snippet: string;
  readonly highlights: readonly { readonly text: string; readonly match: boolean }[];
  readonly score: number;
}

export interface SearchResult {
  readonly query: string;
  readonly hits: readonly SearchHit[];
}

/** A recorded event as the API shows it: the envelope with its stream position and CID. */
export interface RecordedEvent {
  readonly position: number;
  readonly cid: string;
  readonly id: string;
  readonly type: string;
  readonly domain: string;
  readonly aggregate: string;
  readonly aggregateId: string;
  readonly version: number;
  readonly occurredAt: string;
  readonly actor: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly prev: unknown;
  readonly data: unknown;
}

export interface EventPage {
  readonly events: readonly RecordedEvent[];
  readonly next: number;
  readonly end: number;
}

export interface Health {
  readonly status: string;
  readonly version: string;
  readonly startedAt: string;
  readonly components: readonly { readonly name: string; readonly status: string }[];
  readonly nats: { readonly url: string; readonly serverVersion: string };
}

export interface RegisteredComponent {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly version: string;
  readonly capabilities: readonly string[];
  readonly host: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly lastSeen: string;
}

export interface Plugin {
  readonly name: string;
  readonly version: string;
  readonly capabilities: readonly string[];
  readonly source: string;
  readonly status: string;
  readonly error: string | null;
}

export interface PluginList {
  readonly plugins: readonly Plugin[];
  readonly services: readonly RegisteredComponent[];
}

export interface TierStatus {
  readonly name: string;
  readonly objects: number | null;
  readonly bytes: number | null;
  readonly units: number | null;
  readonly readFaults: number;
  readonly error?: string;
}

export interface PipelineStep {
  readonly id: string;
  readonly processor: string;
  readonly after: readonly string[];
}

export interface Pipeline {
  readonly name: string;
  readonly state: string;
  readonly version: number;
  readonly definitionCid: string;
  readonly updatedAt: string;
  readonly definition: {
    readonly description?: string;
    readonly steps: readonly PipelineStep[];
    readonly concurrency: number;
    readonly trigger: {
      readonly events: readonly string[];
      readonly mediaTypes?: readonly string[];
    };
  };
  readonly history: readonly {
    readonly version: number;
    readonly definitionCid: string;
    readonly appliedAt: string;
    readonly actor: string;
  }[];
}

export interface DeadLetter {
  readonly pipeline: string;
  readonly unitCid: string;
  readonly position: number;
  readonly step: string;
  readonly error: string;
  readonly attempts: number;
  readonly at: string;
}

export interface PipelineStatus {
  readonly name: string;
  readonly state: string;
  readonly version: number;
  readonly counters: {
    readonly completed: number;
    readonly retried: number;
    readonly deadLettered: number;
    readonly computedSteps: number;
    readonly reusedSteps: number;
    readonly skipped: number;
  };
  readonly backlog: { readonly pending: number; readonly inFlight: number };
  readonly deadLetters: readonly DeadLetter[];
  readonly backfill: {
    readonly state: 'running' | 'done' | 'failed';
    readonly startedAt: string;
    readonly position: number;
    readonly endPosition: number;
    readonly error?: string;
  } | null;
}
