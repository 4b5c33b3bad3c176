import { InvalidInputError } from '../core/errors.js';
import type { ParameterSpec, ParameterType } from './plugin-api.js';

/** The JSON type of a value as a parameter spec names it, or null for undefined, null and functions. */
export function parameterTypeOf(value: unknown): ParameterType | null {
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return Number.isFinite(value) ? 'number' : null;
    case 'boolean':
      return 'boolean';
    case 'object':
      return value === null ? null : 'object';
    default:
      return null;
  }
}

/**
 * Checks a step's parameters against a processor's specs and applies the defaults. Unknown names
 * are refused rather than ignored, so a misspelt parameter is not silently without effect.
 * `processor` labels the messages, e.g. `processor "extract-text@1.0.0"`.
 */
export function resolveParameters(
  processor: string,
  specs: Readonly<Record<string, ParameterSpec>> | undefined,
  given: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const known = specs ?? {};
  const names = Object.keys(known);
  const resolved: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(given)) {
    const spec = known[name];
    if (spec === undefined) {
      const takes = names.length > 0 ? `it takes ${names.join(', ')}` : 'it takes none';
      throw new InvalidInputError(
        `The ${processor} has no parameter ${JSON.stringify(name)} (${takes}): remove it or check the spelling.`,
      );
    }
    if (value === undefined) continue;
    const actual = parameterTypeOf(value);
    if (actual !== spec.type) {
      throw new InvalidInputError(
        `Parameter ${JSON.stringify(name)} of the ${processor} must be of type ${spec.type}, not ${actual ?? String(value)}: correct the step's parameters.`,
      );
    }
    resolved[name] = value;
  }
  for (const [name, spec] of Object.entries(known)) {
    // A copy, so a processor that mutates a default array or object cannot change the next run's.
    if (resolved[name] === undefined && spec.default !== undefined) {
      resolved[name] = structuredClone(spec.default);
    }
  }
  return resolved;
}
