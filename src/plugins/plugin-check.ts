import semver from 'semver';
import { z } from 'zod';
import { InvalidInputError } from '../core/errors.js';
import {
  CAPABILITY_KINDS,
  formatCapability,
  isCapability,
  isCapabilityName,
} from './capability.js';
import type { CapabilityKind, CapabilityString } from './capability.js';
import { isMediaGlob } from '../core/media-glob.js';
import { parameterTypeOf } from './parameters.js';
import { describeIssue, firstIssue } from '../core/zod-issue.js';
import { PARAMETER_TYPES } from './plugin-api.js';
import type { PluginDefinition, PluginProvides } from './plugin-api.js';

/** npm's rules for package names, lowercase, optionally scoped; npm caps them at 214 characters. */
const PACKAGE_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

const semverVersion = z
  .string()
  .refine((text) => semver.valid(text) !== null, { error: 'must be a semver version like 1.0.0' });

const capabilityName = z.string().refine(isCapabilityName, {
  error: 'must be lowercase letters, digits and dashes, like extract-text',
});

const parameterSpec = z
  .object({
    type: z.enum(PARAMETER_TYPES),
    default: z.unknown().optional(),
    description: z.string().optional(),
  })
  .strict()
  .refine((spec) => spec.default === undefined || parameterTypeOf(spec.default) === spec.type, {
    error: 'its default is not of its type',
    path: ['default'],
  });

const isFunction = z.custom<unknown>((value) => typeof value === 'function', {
  error: 'must be a function',
});

const processorSchema = z
  .object({
    version: semverVersion,
    description: z.string().min(1),
    accepts: z
      .array(z.string().refine(isMediaGlob, { error: 'must be a media type glob like text/*' }))
      .optional(),
    parameters: z
      .record(z.string().regex(PARAMETER_NAME, 'must be a name like maxPages'), parameterSpec)
      .optional(),
    run: isFunction,
  })
  .strict();

const connectorSchema = z
  .object({
    version: semverVersion,
    description: z.string().min(1),
    defaultIntervalMs: z.number().int().positive().optional(),
    checkSettings: isFunction,
    open: isFunction,
  })
  .strict();

const opaqueSchema = z.looseObject({ description: z.string().min(1) });

const pluginSchema = z
  .object({
    name: z
      .string()
      .max(214)
      .regex(PACKAGE_NAME, 'must be an npm package name like cim-plugin-ocr or @acme/cim-ocr'),
    version: semverVersion,
    cimApi: z.string().refine((text) => semver.validRange(text) !== null, {
      error: 'must be a semver range like ^1.0.0',
    }),
    description: z.string().optional(),
    provides: z
      .object({
        processors: z.record(capabilityName, processorSchema).optional(),
        connectors: z.record(capabilityName, connectorSchema).optional(),
        classifiers: z.record(capabilityName, opaqueSchema).optional(),
        views: z.record(capabilityName, opaqueSchema).optional(),
      })
      .strict(),
    requires: z
      .array(
        z.string().refine(isCapability, {
          error: 'must be a capability like processor:extract-text',
        }),
      )
      .optional(),
  })
  .strict();

/** `"name@version"`, how messages name a plugin. */
export function pluginLabel(definition: Pick<PluginDefinition, 'name' | 'version'>): string {
  return `"${definition.name}@${definition.version}"`;
}

function labelOf(value: unknown, source: string): string {
  if (typeof value === 'object' && value !== null) {
    const { name, version } = value as Record<string, unknown>;
    if (typeof name === 'string' && typeof version === 'string') {
      return `${pluginLabel({ name, version })} from ${source}`;
    }
  }
  return `from ${source}`;
}

/**
 * Validates a module's export as a plugin definition and returns it, the same object (so
 * processors keep their `this`). Throws InvalidInputError naming the plugin and the first bad
 * field. `source` is where it came from: the spec in the config, or `builtin`.
 */
export function validatePluginDefinition(value: unknown, source: string): PluginDefinition {
  const result = pluginSchema.safeParse(value);
  if (!result.success) {
    const field = describeIssue(firstIssue(result.error));
    throw new InvalidInputError(
      `Plugin ${labelOf(value, source)} is not a valid plugin definition (${field}): fix the plugin or remove it from plugins.`,
    );
  }
  return value as PluginDefinition;
}

const PROVIDES_KEYS: Record<CapabilityKind, keyof PluginProvides> = {
  processor: 'processors',
  connector: 'connectors',
  classifier: 'classifiers',
  view: 'views',
};

/** The capabilities a plugin provides, e.g. `['processor:extract-text', 'view:timeline']`. */
export function pluginCapabilities(definition: PluginDefinition): CapabilityString[] {
  return CAPABILITY_KINDS.flatMap((kind) =>
    Object.keys(definition.provides[PROVIDES_KEYS[kind]] ?? {}).map((name) =>
      formatCapability({ kind, name }),
    ),
  );
}

/** The key in `provides` holding definitions of `kind`. */
export function providesKey(kind: CapabilityKind): keyof PluginProvides {
  return PROVIDES_KEYS[kind];
}

/** What a plugin is checked against when it loads. */
export interface CompatibilityContext {
  /** The plugin API version this CIM implements, normally CIM_PLUGIN_API_VERSION. */
  readonly apiVersion: string;
  /** Capabilities already available: components', builtins' and earlier plugins'. */
  readonly available: ReadonlySet<string>;
}

function apiAdvice(range: string, apiVersion: string): string {
  const major = semver.major(apiVersion);
  if (semver.ltr(apiVersion, range)) {
    return `upgrade CIM or use a release of the plugin for API ${major}.x`;
  }
  return `use a release of the plugin for API ${major}.x`;
}

/**
 * Capability negotiation: refuses, with InvalidInputError, a plugin whose `cimApi` range does not
 * include `apiVersion`, or one that requires a capability not in `available`.
 */
export function checkCompatibility(
  definition: PluginDefinition,
  context: CompatibilityContext,
): void {
  const label = pluginLabel(definition);
  if (!semver.satisfies(context.apiVersion, definition.cimApi)) {
    throw new InvalidInputError(
      `Plugin ${label} supports CIM plugin API ${definition.cimApi} but this CIM provides ${context.apiVersion}: ${apiAdvice(definition.cimApi, context.apiVersion)}.`,
    );
  }
  const missing = (definition.requires ?? []).filter((text) => !context.available.has(text));
  if (missing.length > 0) {
    const available =
      context.available.size > 0
        ? `available: ${[...context.available].sort().join(', ')}`
        : 'nothing is available';
    const needs = missing.length > 1 ? `capabilities ${missing.join(', ')}` : missing[0]!;
    throw new InvalidInputError(
      `Plugin ${label} requires ${needs}, which nothing loaded before it provides (${available}): list a plugin that provides ${missing.length > 1 ? 'them' : 'it'} before ${definition.name} in plugins, or remove ${definition.name}.`,
    );
  }
}

/**
 * Refuses, with InvalidInputError, a plugin providing a capability someone already provides.
 * `providers` maps each capability to how messages name its provider, e.g. `plugin "a@1.0.0"`.
 */
export function checkDuplicateProviders(
  definition: PluginDefinition,
  providers: ReadonlyMap<string, string>,
): void {
  for (const capability of pluginCapabilities(definition)) {
    const other = providers.get(capability);
    if (other !== undefined) {
      throw new InvalidInputError(
        `Plugin ${pluginLabel(definition)} and ${other} both provide ${capability}: remove one of them from plugins.`,
      );
    }
  }
}
