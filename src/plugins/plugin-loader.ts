import { pathToFileURL } from 'node:url';
import { InvalidInputError, toCimError } from '../core/errors.js';
import type { CimError } from '../core/errors.js';
import { formatCapability, parseCapability } from './capability.js';
import type { CapabilityString } from './capability.js';
import { CIM_PLUGIN_API_VERSION } from './plugin-api.js';
import type { PluginDefinition, PluginLogger } from './plugin-api.js';
import {
  checkCompatibility,
  checkDuplicateProviders,
  pluginCapabilities,
  pluginLabel,
  validatePluginDefinition,
} from './plugin-check.js';
import { resolvePluginSpec } from './plugin-resolve.js';

/** The source of plugins CIM itself ships. */
export const BUILTIN_SOURCE = 'builtin';

/** A plugin that passed validation and negotiation. */
export interface LoadedPlugin {
  readonly definition: PluginDefinition;
  /** The spec from `plugins` it was loaded from, or `builtin`. */
  readonly source: string;
  readonly capabilities: readonly CapabilityString[];
}

/** A plugin that was not loaded, and why. */
export interface RefusedPlugin {
  /** The spec from `plugins`, or `builtin`. */
  readonly spec: string;
  readonly error: CimError;
  /** Present when the definition was valid but refused by negotiation. */
  readonly definition?: PluginDefinition;
}

/** What `loadPlugins` returns: one entry per builtin and spec, in either list. */
export interface LoadResult {
  readonly loaded: readonly LoadedPlugin[];
  readonly refused: readonly RefusedPlugin[];
}

export interface LoadPluginsOptions {
  /** Where relative paths and package names are resolved from: the config file's folder. */
  readonly baseDir: string;
  /** Plugins shipped with CIM, loaded before the specs. */
  readonly builtins?: readonly PluginDefinition[];
  readonly logger: PluginLogger;
  /** Capabilities CIM's own components provide, available to every plugin's `requires`. */
  readonly componentCapabilities?: Iterable<string>;
  /** The plugin API version to negotiate; CIM_PLUGIN_API_VERSION unless testing. */
  readonly apiVersion?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Imports a spec's module and returns its default export, or its export named `plugin`. */
async function importPlugin(spec: string, baseDir: string): Promise<unknown> {
  const file = await resolvePluginSpec(spec, baseDir);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new InvalidInputError(
      `Plugin ${spec} failed to load (${reason}): fix the plugin or remove it from plugins.`,
      { cause: err },
    );
  }
  // A CommonJS module's `module.exports` arrives as the default export, so a CommonJS plugin
  // exporting `{ plugin }` has a default that is not the plugin: prefer whichever has a name.
  const candidates = [module['default'], module['plugin']];
  const exported =
    candidates.find((value) => isObject(value) && 'name' in value) ??
    candidates.find((value) => value !== undefined);
  if (exported === undefined) {
    throw new InvalidInputError(
      `Plugin ${spec} has neither a default export nor an export named plugin: export its definition as default.`,
    );
  }
  return exported;
}

/**
 * Loads plugins in order, builtins first, validating each and negotiating it against the
 * capabilities of components, builtins and the plugins before it. A plugin that fails to load or
 * is refused is reported in `refused` and does not stop the others; only a malformed
 * `componentCapabilities` (a bug in CIM) throws.
 */
export async function loadPlugins(
  specs: readonly string[],
  options: LoadPluginsOptions,
): Promise<LoadResult> {
  const apiVersion = options.apiVersion ?? CIM_PLUGIN_API_VERSION;
  const { logger } = options;
  // Capability → how a refusal names its provider; its keys are also what is available.
  const providers = new Map<string, string>();
  for (const text of options.componentCapabilities ?? []) {
    providers.set(formatCapability(parseCapability(text)), "CIM's own components");
  }
  const byName = new Map<string, LoadedPlugin>();
  const loaded: LoadedPlugin[] = [];
  const refused: RefusedPlugin[] = [];

  const refuse = (spec: string, err: unknown, definition?: PluginDefinition): void => {
    const error = toCimError(err);
    refused.push(definition === undefined ? { spec, error } : { spec, error, definition });
    logger.warn({ plugin: spec, code: error.code }, error.message);
  };

  const admit = (value: unknown, source: string): void => {
    let definition: PluginDefinition | undefined;
    try {
      definition = validatePluginDefinition(value, source);
      const prior = byName.get(definition.name);
      if (prior !== undefined) {
        throw new InvalidInputError(
          `Plugin ${pluginLabel(definition)} from ${source} is already loaded as ${pluginLabel(prior.definition)} from ${prior.source}: list it once in plugins.`,
        );
      }
      checkCompatibility(definition, { apiVersion, available: new Set(providers.keys()) });
      checkDuplicateProviders(definition, providers);
    } catch (err) {
      refuse(source, err, definition);
      return;
    }
    const capabilities = pluginCapabilities(definition);
    for (const capability of capabilities) {
      providers.set(capability, `plugin ${pluginLabel(definition)}`);
    }
    const plugin: LoadedPlugin = { definition, source, capabilities };
    loaded.push(plugin);
    byName.set(definition.name, plugin);
    logger.info(
      { plugin: definition.name, version: definition.version, source, capabilities },
      'plugin loaded',
    );
  };

  for (const builtin of options.builtins ?? []) admit(builtin, BUILTIN_SOURCE);
  // One at a time, in order: a plugin's requirements are met only by those before it.
  for (const spec of specs) {
    let value: unknown;
    try {
      value = await importPlugin(spec, options.baseDir);
    } catch (err) {
      refuse(spec, err);
      continue;
    }
    admit(value, spec);
  }
  return { loaded, refused };
}
