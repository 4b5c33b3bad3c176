import type { CapabilityKind } from './capability.js';
import type { ConnectorDefinition, OpaqueDefinition, ProcessorDefinition } from './plugin-api.js';
import { providesKey } from './plugin-check.js';
import type { LoadedPlugin, LoadResult } from './plugin-loader.js';

/** A processor found in the set, with the plugin providing it. */
export interface FoundProcessor {
  readonly plugin: LoadedPlugin;
  readonly name: string;
  readonly definition: ProcessorDefinition;
}

/** A connector kind found in the set, with the plugin providing it. */
export interface FoundConnector {
  readonly plugin: LoadedPlugin;
  readonly name: string;
  readonly definition: ConnectorDefinition;
}

/** A connector, classifier or view found in the set, with the plugin providing it. */
export interface FoundDefinition {
  readonly plugin: LoadedPlugin;
  readonly name: string;
  readonly definition: OpaqueDefinition;
}

/** One line of `cim plugin ls`. Fields unknown for a plugin that failed to load are null. */
export interface PluginListing {
  /** The plugin's name, or its spec when it could not be read. */
  readonly name: string;
  readonly version: string | null;
  readonly cimApi: string | null;
  readonly capabilities: readonly string[];
  readonly source: string;
  readonly status: 'loaded' | 'refused';
  /** Why it was refused: one sentence saying what to do. */
  readonly error: string | null;
}

/**
 * The plugins of this process, from one `loadPlugins` result. In memory only: the component
 * registry (over NATS) is where running components announce capabilities to each other.
 */
export class PluginSet {
  readonly #result: LoadResult;

  constructor(result: LoadResult) {
    this.#result = result;
  }

  /** The loaded plugins, builtins first, in load order. */
  get loaded(): readonly LoadedPlugin[] {
    return this.#result.loaded;
  }

  /** The processor named `name`, or undefined when no loaded plugin provides it. */
  processor(name: string): FoundProcessor | undefined {
    for (const plugin of this.#result.loaded) {
      const processors = plugin.definition.provides.processors;
      // hasOwn: a name like "constructor" must not find Object.prototype's.
      if (processors !== undefined && Object.hasOwn(processors, name)) {
        return { plugin, name, definition: processors[name]! };
      }
    }
    return undefined;
  }

  /** The connector kind named `name` (`folder`, `feed`), or undefined when no plugin provides it. */
  connector(name: string): FoundConnector | undefined {
    for (const plugin of this.#result.loaded) {
      const connectors = plugin.definition.provides.connectors;
      if (connectors !== undefined && Object.hasOwn(connectors, name)) {
        return { plugin, name, definition: connectors[name]! };
      }
    }
    return undefined;
  }

  /** The connector, classifier or view of `kind` named `name`, or undefined. */
  definition(
    kind: Exclude<CapabilityKind, 'processor'>,
    name: string,
  ): FoundDefinition | undefined {
    for (const plugin of this.#result.loaded) {
      const definitions = plugin.definition.provides[providesKey(kind)] as
        Readonly<Record<string, OpaqueDefinition>> | undefined;
      if (definitions !== undefined && Object.hasOwn(definitions, name)) {
        return { plugin, name, definition: definitions[name]! };
      }
    }
    return undefined;
  }

  /** Every capability the loaded plugins provide. */
  capabilities(): Set<string> {
    return new Set(this.#result.loaded.flatMap((plugin) => plugin.capabilities));
  }

  /** What `cim plugin ls` shows: loaded plugins in load order, then refused ones. */
  list(): PluginListing[] {
    const loaded = this.#result.loaded.map((plugin): PluginListing => ({
      name: plugin.definition.name,
      version: plugin.definition.version,
      cimApi: plugin.definition.cimApi,
      capabilities: plugin.capabilities,
      source: plugin.source,
      status: 'loaded',
      error: null,
    }));
    const refused = this.#result.refused.map((entry): PluginListing => ({
      name: entry.definition?.name ?? entry.spec,
      version: entry.definition?.version ?? null,
      cimApi: entry.definition?.cimApi ?? null,
      capabilities: [],
      source: entry.spec,
      status: 'refused',
      error: entry.error.message,
    }));
    return [...loaded, ...refused];
  }
}
