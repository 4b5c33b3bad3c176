/**
 * The in-process plugin API: what a plugin module exports and what CIM hands its processors.
 * Plugins need not import anything from CIM: a plain object of this shape is a plugin, and
 * `definePlugin` only adds type checking. Every definition is validated when it is loaded.
 */

/**
 * The version of this API. Plugins declare the range they support in `cimApi`; a minor release
 * only adds, a major release may break, so `^1.0.0` is the usual choice.
 */
export const CIM_PLUGIN_API_VERSION = '1.0.0';

/** The pino-like logger a processor receives; pino's Logger fits it. */
export interface PluginLogger {
  info(objOrMessage: unknown, message?: string): void;
  warn(objOrMessage: unknown, message?: string): void;
  error(objOrMessage: unknown, message?: string): void;
}

/** The JSON types a processor parameter may take. */
export const PARAMETER_TYPES = ['string', 'number', 'boolean', 'array', 'object'] as const;

export type ParameterType = (typeof PARAMETER_TYPES)[number];

/** One parameter a processor takes: its JSON type and, optionally, a default. */
export interface ParameterSpec {
  readonly type: ParameterType;
  readonly default?: unknown;
  readonly description?: string;
}

/** The unit a processor is run on: its metadata, as stored. */
export interface ProcessorUnit {
  readonly unitCid: string;
  readonly contentCid: string;
  readonly mediaType: string;
  readonly name: string;
  readonly size: number;
  readonly tags: readonly string[];
  readonly context: string | null;
  readonly source: string;
}

/** What a processor's `run` receives. */
export interface ProcessorInput {
  readonly unit: ProcessorUnit;
  /** Reads the unit's content; only processors that need the bytes pay for reading them. */
  content(): Promise<Uint8Array>;
  /** The unit's text, when an earlier step extracted it. */
  readonly text?: string;
  /** The step's parameters, with the processor's defaults applied. */
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** A new piece of content a processor derived from its input; it becomes a derived unit. */
export interface DerivedContent {
  readonly name: string;
  readonly mediaType: string;
  readonly bytes: Uint8Array;
  readonly tags?: readonly string[];
}

/** A typed link from the input unit to something else (a unit CID, an entity id, a URL). */
export interface Relation {
  readonly type: string;
  readonly target: string;
}

/** What a processor's `run` returns. Every field is optional: an empty object means "nothing". */
export interface ProcessorOutput {
  readonly derived?: readonly DerivedContent[];
  readonly tags?: readonly string[];
  readonly relations?: readonly Relation[];
  readonly text?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** What CIM gives a running processor besides its input. */
export interface ProcessorContext {
  readonly logger: PluginLogger;
  /** Aborted when the run times out or CIM shuts down: stop work and return or throw. */
  readonly signal: AbortSignal;
}

/** A processor: one transformation a pipeline step can run. */
export interface ProcessorDefinition {
  /** Semver of the processor itself; recorded in `producedBy` and part of the result cache key. */
  readonly version: string;
  readonly description: string;
  /** Media type globs it accepts, such as `text/*` or `application/pdf`; absent means any. */
  readonly accepts?: readonly string[];
  readonly parameters?: Readonly<Record<string, ParameterSpec>>;
  run(input: ProcessorInput, ctx: ProcessorContext): Promise<ProcessorOutput>;
}

/** A JSON value, as settings and cursors are (they are recorded in events). */
export type ConnectorJson =
  null | boolean | number | string | ConnectorJson[] | { [key: string]: ConnectorJson };

/**
 * One item a connector took from its source: the raw payload (the `.eml`, the feed item, the
 * HTTP body, the file), never a parse of it: parsing is done by pipeline processors, so a better
 * extractor can be run over all history later.
 */
export interface SourceItem {
  /**
   * Where it came from, as a URI that names the same thing on every poll (`file:///abs/path`,
   * `imap://user@host/INBOX;UIDVALIDITY=7;UID=42`, `https://site/page`, `s3://bucket/key`): the
   * key of its document, so new bytes from the same source are a new version of that document.
   */
  readonly source: string;
  readonly name: string;
  /** Opens the payload; called at most once per `put`, again for a retry. */
  open(): AsyncIterable<Uint8Array> | Promise<AsyncIterable<Uint8Array>>;
  /** Detected from the bytes and the name when absent. */
  readonly mediaType?: string;
  /** Tags the source itself gives (a subfolder, a mailbox folder, a feed's categories). */
  readonly tags?: readonly string[];
  /** Size in bytes when the source says it. */
  readonly size?: number;
}

/**
 * What became of an item: `stored` (new content), `linked` (content already stored, now also
 * from this source or as a new version of this document), `seen-again` (this source's document
 * already has exactly this content: a sighting is recorded, nothing is stored), `failed` (a dead
 * letter, with its reason).
 */
export type ItemOutcome = 'stored' | 'linked' | 'seen-again' | 'failed';

/** Where a connector hands what it found; the hub records and counts everything. */
export interface ItemSink {
  /**
   * Takes one item in (after the connector's rate limit allows it). Never throws for a bad item:
   * a failure reading or storing it is recorded as a dead letter and answered `failed`.
   */
  put(item: SourceItem): Promise<ItemOutcome>;
  /** Records an item the connector could not fetch (a dead letter) without stopping the poll. */
  fail(source: string, reason: string): Promise<void>;
  /** Records that a source went (a file deleted, a message expunged); nothing is erased. */
  removed(source: string): Promise<void>;
  /**
   * Records the position reached (an event): a restart resumes from the last one. Call it after
   * the items it covers were put, and often enough on long polls that a crash repeats little.
   */
  checkpoint(cursor: ConnectorJson): Promise<void>;
  /**
   * The sources under `prefix` this connector's items already have and that are not recorded
   * as removed, so a connector whose cursor cannot list everything it took (a folder of 100,000
   * files) can tell what went while it was not running. Optional: a connector must work without
   * it, and then records only the removals it sees while it runs.
   */
  knownSources?(prefix: string): AsyncIterable<string>;
}

/** What CIM gives a connector besides its settings. */
export interface ConnectorContext {
  /** The connector's name (from its definition). */
  readonly name: string;
  readonly logger: PluginLogger;
  /** Aborted when the connector is paused, removed, or CIM shuts down: stop and return. */
  readonly signal: AbortSignal;
  /**
   * The text of a credential file named by a setting (relative to `$CREDENTIALS_DIRECTORY` when
   * systemd sets it). Secrets reach connectors only this way: never in a definition, an event
   * or a log.
   */
  secret(file: string): Promise<string>;
  /** A folder of this connector's own for temporary files, emptied on start. */
  readonly tempDir: string;
}

/** A running connector, opened for one definition. */
export interface ConnectorSession {
  /**
   * Reads what is new in the source since `cursor` (null: from the beginning), hands each item
   * to the sink, checkpoints, and resolves with the cursor the next poll starts from. A failure
   * of the source as a whole (refused credentials, unreachable) throws an Error whose message is
   * one sentence: the connector becomes `failed` with it and is retried with backoff.
   */
  poll(cursor: ConnectorJson | null, sink: ItemSink): Promise<ConnectorJson>;
  /** Sources that can say when they changed (a watched folder, IMAP IDLE) call `wake` to poll early. */
  watch?(wake: () => void): void;
  close?(): Promise<void>;
}

/** A connector kind: how CIM reads one kind of source. */
export interface ConnectorDefinition {
  /** Semver of the connector itself. */
  readonly version: string;
  readonly description: string;
  /** Milliseconds between polls when a definition gives none. */
  readonly defaultIntervalMs?: number;
  /**
   * Checks a definition's settings and applies defaults, or says in one sentence naming the
   * field (`settings.url`) what is wrong. Names of credential files end in `File`
   * (`passwordFile`); the hub refuses a definition that writes a secret inline.
   */
  checkSettings(
    settings: Readonly<Record<string, unknown>>,
  ):
    | { readonly ok: true; readonly settings: Record<string, ConnectorJson> }
    | { readonly ok: false; readonly error: string };
  open(settings: Readonly<Record<string, ConnectorJson>>, ctx: ConnectorContext): ConnectorSession;
}

/**
 * A classifier or view. Their APIs are not fixed yet, so CIM only requires a description and
 * keeps the rest as the plugin wrote it.
 */
export interface OpaqueDefinition {
  readonly description: string;
  readonly [key: string]: unknown;
}

/** Everything a plugin contributes, each keyed by a capability name (`extract-text`). */
export interface PluginProvides {
  readonly processors?: Readonly<Record<string, ProcessorDefinition>>;
  readonly connectors?: Readonly<Record<string, ConnectorDefinition>>;
  readonly classifiers?: Readonly<Record<string, OpaqueDefinition>>;
  readonly views?: Readonly<Record<string, OpaqueDefinition>>;
}

/** A plugin, as its module's default export (or its export named `plugin`) defines it. */
export interface PluginDefinition {
  /** An npm-style package name, e.g. `cim-plugin-ocr` or `@acme/cim-ocr`. */
  readonly name: string;
  /** Semver of the plugin. */
  readonly version: string;
  /** The semver range of CIM plugin API versions it works with, e.g. `^1.0.0`. */
  readonly cimApi: string;
  readonly description?: string;
  readonly provides: PluginProvides;
  /** Capabilities (`processor:extract-text`) it needs from components or earlier plugins. */
  readonly requires?: readonly string[];
}

/**
 * Returns `definition` unchanged, typed: a plugin module writes
 * `export default definePlugin({ ... })` to have its shape checked by the compiler. The same
 * checks, and more, run again when CIM loads it.
 */
export function definePlugin<const T extends PluginDefinition>(definition: T): T {
  return definition;
}
