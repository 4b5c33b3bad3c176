import { z } from 'zod';
import type { ConnectorDefinition } from '../core/catalogue/hub.js';
import { InvalidInputError } from '../core/errors.js';
import { describeIssue, firstIssue } from '../core/zod-issue.js';
import type { ConnectorDefinition as ConnectorKind, ConnectorJson } from '../plugins/plugin-api.js';
import { parseDefinitionText } from '../core/definition-text.js';

export type { ConnectorDefinition } from '../core/catalogue/hub.js';

/** Where a definition finds its kind: the loaded plugins' connectors, by name. */
export interface ConnectorKinds {
  kind(name: string): ConnectorKind | undefined;
  /** Every kind's name, for the sentence refusing an unknown one. */
  names(): readonly string[];
}

/** Milliseconds between polls when neither the definition nor its kind says. */
export const DEFAULT_INTERVAL_MS = 5 * 60_000;

/** A connector's name: a subject token that is also easy to type. */
export const CONNECTOR_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const expected = (what: string) => ({ error: `expected ${what}` });

const wholeNumber = (min: number, max: number) => {
  const message = expected(`a whole number from ${min} to ${max}`);
  return z.number(message).int(message).min(min, message).max(max, message);
};

const text = (what: string, max: number) => {
  const message = expected(`${what} without surrounding spaces, at most ${max} characters`);
  return z
    .string(message)
    .regex(/^\S(?:.*\S)?$/s, message)
    .max(max, message);
};

const retrySchema = z.strictObject(
  {
    attempts: wholeNumber(1, 100).default(5),
    backoffMs: wholeNumber(0, 3_600_000).default(1000),
    maxBackoffMs: wholeNumber(0, 86_400_000).default(300_000),
  },
  expected('a map with optional attempts, backoffMs, maxBackoffMs'),
);

/** The strict schema of a definition as written; unknown fields are refused, not ignored. */
export const connectorSchema = z.strictObject(
  {
    name: z
      .string(expected('a connector name (letters, digits, _ and -, at most 64)'))
      .regex(
        CONNECTOR_NAME_PATTERN,
        expected('a connector name (letters, digits, _ and -, at most 64)'),
      ),
    kind: z.string(expected('a connector kind such as folder or feed')),
    description: z
      .string(expected('a text'))
      .max(2000, expected('at most 2000 characters'))
      .optional(),
    intervalMs: wholeNumber(50, 30 * 86_400_000).optional(),
    tags: z
      .array(text('a tag', 128), expected('a list of tags'))
      .max(256, expected('at most 256 tags'))
      .default([]),
    context: z
      .string(expected('a context name'))
      .regex(/^[A-Za-z0-9_\-:@+=~]{1,128}$/, expected('a context name (a token, no dots)'))
      .nullable()
      .default(null),
    ratePerSecond: z
      .number(expected('a number of items a second (0: no limit)'))
      .min(0, expected('a number of items a second (0: no limit)'))
      .max(100_000, expected('at most 100000 items a second'))
      .default(0),
    retry: retrySchema.prefault({}),
    settings: z
      .record(z.string(), z.unknown(), expected("a map of the kind's settings"))
      .default({}),
  },
  expected('a map with name, kind and settings'),
);

function allowedFields(path: readonly PropertyKey[]): readonly string[] {
  if (path.length === 0) return Object.keys(connectorSchema.shape);
  if (path[0] === 'retry' && path.length === 1) return Object.keys(retrySchema.shape);
  return [];
}

const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'secret',
  'token',
  'key',
  'credentials',
  'creds',
]);

/**
 * The path of a setting that holds a secret inline (`settings.password`), or undefined. A name
 * is split into its words (`apiKey`, `api_key` → api, key) so `monkey` or `keyword` are not
 * secrets; names ending in `File` name a credential file and are what is asked for.
 */
export function inlineSecret(value: unknown, path = 'settings'): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const at = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
    const words = key
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .toLowerCase()
      .split(/[^a-z0-9]+/);
    const holds = inner !== null && typeof inner !== 'boolean';
    if (!key.endsWith('File') && holds && words.some((w) => SECRET_WORDS.has(w))) return at;
    const nested = inlineSecret(inner, at);
    if (nested !== undefined) return nested;
  }
  return undefined;
}

function present<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Partial<Record<K, V>>);
}

/**
 * Validates a definition that is already a value (a JSON body, a parsed file) against the schema
 * and its kind's settings, applying defaults. Throws InvalidInputError whose one sentence starts
 * with `where` and names the field; nothing is recorded by a refused definition.
 */
export function validateConnector(
  value: unknown,
  where: string,
  kinds: ConnectorKinds,
): ConnectorDefinition {
  const result = connectorSchema.safeParse(value);
  if (!result.success) {
    throw new InvalidInputError(
      `${where}: ${describeIssue(firstIssue(result.error), {
        path: 'indexed',
        input: value,
        advise: allowedFields,
      })}.`,
    );
  }
  const parsed = result.data;
  const kind = kinds.kind(parsed.kind);
  if (kind === undefined) {
    const known = [...kinds.names()].sort().join(', ');
    throw new InvalidInputError(
      `${where}: kind: there is no connector kind ${JSON.stringify(parsed.kind)} (known: ${known || 'none'}); use one of them or load the plugin that provides it.`,
    );
  }
  if (parsed.retry.maxBackoffMs < parsed.retry.backoffMs) {
    throw new InvalidInputError(
      `${where}: retry.maxBackoffMs: expected at least backoffMs (${parsed.retry.backoffMs}), got ${parsed.retry.maxBackoffMs}.`,
    );
  }
  const secret = inlineSecret(parsed.settings);
  if (secret !== undefined) {
    throw new InvalidInputError(
      `${where}: ${secret}: a secret is never written in a definition; put it in a file and name it in ${secret}File.`,
    );
  }
  const checked = kind.checkSettings(parsed.settings);
  if (!checked.ok) {
    const sentence = checked.error.replace(/\.$/, '');
    throw new InvalidInputError(`${where}: ${sentence}.`);
  }
  return {
    name: parsed.name,
    kind: parsed.kind,
    ...present('description', parsed.description),
    intervalMs: parsed.intervalMs ?? kind.defaultIntervalMs ?? DEFAULT_INTERVAL_MS,
    tags: parsed.tags,
    context: parsed.context,
    ratePerSecond: parsed.ratePerSecond,
    retry: parsed.retry,
    settings: checked.settings satisfies Record<string, ConnectorJson>,
  };
}

/**
 * Parses a connector definition written in YAML or JSON and validates it. Throws
 * InvalidInputError naming `fileName`, with the line and column of a syntax error or the field
 * that was wrong.
 */
export function parseConnector(
  text: string,
  fileName: string,
  kinds: ConnectorKinds,
): ConnectorDefinition {
  return validateConnector(parseDefinitionText(text, fileName), fileName, kinds);
}
