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

/**
 * A connector, classifier or view. Their APIs are not fixed yet, so CIM only requires a
 * description and keeps the rest as the plugin wrote it.
 */
export interface OpaqueDefinition {
  readonly description: string;
  readonly [key: string]: unknown;
}

/** Everything a plugin contributes, each keyed by a capability name (`extract-text`). */
export interface PluginProvides {
  readonly processors?: Readonly<Record<string, ProcessorDefinition>>;
  readonly connectors?: Readonly<Record<string, OpaqueDefinition>>;
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
