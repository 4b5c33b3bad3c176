import semver from 'semver';
import { z } from 'zod';
import type { PipelineDefinition } from '../core/catalogue/pipelines.js';
import type { JsonValue } from '../core/envelope.js';
import { InvalidInputError } from '../core/errors.js';
import { isMediaGlob } from '../core/media-glob.js';
import { assertDag } from './dag.js';
import { formatPath } from '../core/field-path.js';
import { describeIssue, firstIssue } from '../core/zod-issue.js';
import { EVENT_TYPE_PATTERN, NAME_PATTERN } from './names.js';
import { parseDefinitionText } from '../core/definition-text.js';
import { assertParams } from './step-key.js';

export type {
  PipelineDefinition,
  PipelineStep,
  PipelineTrigger,
  RetryPolicy,
} from '../core/catalogue/pipelines.js';

/** Limits that keep a definition from an HTTP body from being unreasonably large. */
const MAX_STEPS = 256;
const MAX_LIST = 256;

// Every schema carries an "expected …" message; describeIssue appends what was found instead.
const expected = (what: string) => ({ error: `expected ${what}` });

const name = (what: string) => {
  const message = expected(`${what} (lowercase letters, digits, dashes)`);
  // Length first, so an over-long but well-formed name is told why it was refused.
  return z
    .string(message)
    .max(64, expected(`${what} of at most 64 characters`))
    .regex(NAME_PATTERN, message);
};

const trimmedText = (what: string, max: number) => {
  const message = expected(`${what} without surrounding spaces, at most ${max} characters`);
  return z
    .string(message)
    .regex(/^\S(?:.*\S)?$/s, message)
    .max(max, message);
};

/** An optional filter list: empty is refused, since "match nothing" is never what was meant. */
const filterList = <T extends z.ZodType>(item: T, one: string, many: string) =>
  z
    .array(item, expected(`a list of ${many}`))
    .min(1, expected(`at least one ${one} (or no such field, to match any)`))
    .max(MAX_LIST, expected(`at most ${MAX_LIST} ${many}`));

const wholeNumber = (min: number, max: number) => {
  const message = expected(`a whole number from ${min} to ${max}`);
  return z.number(message).int(message).min(min, message).max(max, message);
};

const triggerSchema = z.strictObject(
  {
    events: z
      .array(
        z
          .string(expected('an event type in PascalCase, such as UnitIngested'))
          .regex(EVENT_TYPE_PATTERN, expected('an event type in PascalCase, such as UnitIngested')),
        expected('a list of event types, such as [UnitIngested]'),
      )
      .min(1, expected('at least one event type, such as [UnitIngested]'))
      .max(MAX_LIST, expected(`at most ${MAX_LIST} event types`)),
    mediaTypes: filterList(
      z
        .string(expected('a media type glob such as text/* or application/pdf'))
        .refine(isMediaGlob, expected('a media type glob such as text/* or application/pdf')),
      'media type glob',
      'media type globs',
    ).optional(),
    tags: filterList(trimmedText('a tag', 128), 'tag', 'tags').optional(),
    contexts: filterList(trimmedText('a context name', 128), 'context', 'contexts').optional(),
    sources: filterList(
      trimmedText('a source glob such as file:///home/*', 2048),
      'source glob',
      'source globs',
    ).optional(),
  },
  expected('a map with events and optional mediaTypes, tags, contexts, sources'),
);

const stepSchema = z.strictObject(
  {
    id: name('a step id'),
    processor: name('a processor name'),
    version: z
      .string(expected('a semver range such as ^1'))
      .refine((v) => semver.validRange(v) !== null, expected('a semver range such as ^1'))
      .optional(),
    params: z
      .record(z.string(), z.unknown(), expected('a map of parameters, or {} for none'))
      .default({}),
    after: z
      .array(name('a step id'), expected('a list of step ids'))
      .max(MAX_STEPS, expected(`at most ${MAX_STEPS} step ids`))
      .default([]),
  },
  expected('a map with id, processor and optional version, params, after'),
);

const retrySchema = z.strictObject(
  {
    attempts: wholeNumber(1, 100).default(5),
    backoffMs: wholeNumber(0, 3_600_000).default(500),
    maxBackoffMs: wholeNumber(0, 86_400_000).default(30_000),
  },
  expected('a map with optional attempts, backoffMs, maxBackoffMs'),
);

/** The strict schema of a definition as written; unknown fields are refused, not ignored. */
export const pipelineSchema = z.strictObject(
  {
    name: name('a pipeline name'),
    description: z
      .string(expected('a text'))
      .max(2000, expected('at most 2000 characters'))
      .optional(),
    trigger: triggerSchema,
    steps: z
      .array(stepSchema, expected('a list of steps'))
      .min(1, expected('at least one step'))
      .max(MAX_STEPS, expected(`at most ${MAX_STEPS} steps`)),
    concurrency: wholeNumber(1, 256).default(8),
    retry: retrySchema.prefault({}),
  },
  expected('a map with name, trigger and steps'),
);

type ParsedPipeline = z.output<typeof pipelineSchema>;

/** The schema for each object path, so an unknown-field message can list what is allowed. */
function allowedFields(path: readonly PropertyKey[]): readonly string[] {
  const [first] = path;
  if (path.length === 0) return Object.keys(pipelineSchema.shape);
  if (first === 'trigger' && path.length === 1) return Object.keys(triggerSchema.shape);
  if (first === 'retry' && path.length === 1) return Object.keys(retrySchema.shape);
  if (first === 'steps' && path.length === 2) return Object.keys(stepSchema.shape);
  return [];
}

// exactOptionalPropertyTypes: zod's optional output is `T | undefined`; ours omits the key.
function present<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Partial<Record<K, V>>);
}

function toDefinition(
  parsed: ParsedPipeline,
  params: (step: ParsedPipeline['steps'][number], index: number) => Record<string, JsonValue>,
): PipelineDefinition {
  const { trigger } = parsed;
  return {
    name: parsed.name,
    ...present('description', parsed.description),
    trigger: {
      events: trigger.events,
      ...present('mediaTypes', trigger.mediaTypes),
      ...present('tags', trigger.tags),
      ...present('contexts', trigger.contexts),
      ...present('sources', trigger.sources),
    },
    steps: parsed.steps.map((step, index) => ({
      id: step.id,
      processor: step.processor,
      ...present('version', step.version),
      params: params(step, index),
      after: step.after,
    })),
    concurrency: parsed.concurrency,
    retry: parsed.retry,
  };
}

const jsonParams = z.record(z.string(), z.json());

/**
 * A step's parameters as the JSON a `PipelineApplied` event records. Refused here, not when the
 * step first runs: YAML's .nan or a 20-digit id would otherwise pass validation and fail (or
 * collide) only when the step key is computed.
 */
function stepParams(params: unknown, where: string, index: number): Record<string, JsonValue> {
  const path = ['steps', index, 'params'];
  assertParams(params, where, path);
  const json = jsonParams.safeParse(params);
  if (!json.success) {
    const problem = describeIssue(firstIssue(json.error));
    throw new InvalidInputError(
      `${where}: ${formatPath(path)}: expected plain JSON values (${problem}).`,
    );
  }
  return json.data;
}

/**
 * Validates a definition that is already a value (a JSON body over HTTP, a parsed file): the
 * schema, the step DAG, the retry bounds and the parameters' DAG-CBOR form. Throws
 * InvalidInputError whose message starts with `where` and names the first bad field.
 */
export function validatePipeline(value: unknown, where: string): PipelineDefinition {
  const result = pipelineSchema.safeParse(value);
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
  assertDag(parsed.steps, where);
  const { retry } = parsed;
  if (retry.maxBackoffMs < retry.backoffMs) {
    throw new InvalidInputError(
      `${where}: retry.maxBackoffMs: expected at least backoffMs (${retry.backoffMs}), got ${retry.maxBackoffMs}.`,
    );
  }
  return toDefinition(parsed, (step, index) => stepParams(step.params, where, index));
}

/**
 * Parses a pipeline definition written in YAML or JSON (text starting with `{` is read as JSON,
 * so its syntax errors are JSON's) and validates it. Throws InvalidInputError naming `fileName`,
 * with the line and column of a syntax error or the path of the first bad field.
 */
export function parsePipeline(text: string, fileName: string): PipelineDefinition {
  return validatePipeline(parseDefinitionText(text, fileName), fileName);
}
