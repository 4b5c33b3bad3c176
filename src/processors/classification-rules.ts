import { InvalidInputError } from '../core/errors.js';
import { isMediaGlob } from '../core/media-glob.js';

/** When a rule applies at all, besides its keywords and patterns matching. */
export interface RuleCondition {
  /** A media type glob the unit must match, like `text/*`. */
  readonly mediaType?: string;
  /** The least number of words the text must have. */
  readonly minWords?: number;
  /** The context (workspace) the unit must be in. */
  readonly context?: string;
}

/** A checked rule, its keywords and patterns compiled, ready to test text with. */
export interface ClassificationRule {
  /** Its position in the step's `rules`, for explanations. */
  readonly index: number;
  readonly tag: string;
  /** Each keyword as written and as a case-insensitive whole-word expression. */
  readonly keywords: readonly { readonly keyword: string; readonly expression: RegExp }[];
  readonly patterns: readonly RegExp[];
  readonly when: RuleCondition;
}

const RULE_FIELDS = new Set(['tag', 'keywords', 'patterns', 'when']);
const WHEN_FIELDS = new Set(['mediaType', 'minWords', 'context']);

/** Refuses the rules with one sentence naming the rule and what is wrong with it. */
function refuse(index: number, problem: string): never {
  throw new InvalidInputError(
    `Rule rules[${index}] of classify-rules ${problem}: correct the step's rules parameter.`,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A list of non-empty strings, or a refusal naming the field. */
function stringList(index: number, field: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) refuse(index, `has ${field} that is not a list of strings`);
  return value.map((item, position) => {
    if (typeof item !== 'string' || item.trim() === '') {
      refuse(index, `has ${field}[${position}] that is not a non-empty string`);
    }
    return item;
  });
}

/**
 * A keyword as an expression matching it case-insensitively as a whole word or phrase: not
 * inside a longer word, with any run of whitespace between its words.
 */
function keywordExpression(keyword: string): RegExp {
  const words = keyword
    .trim()
    .split(/\s+/)
    // Only syntax characters: with the u flag, escaping anything else (such as -) is an error.
    .map((word) => word.replace(/[\^$.*+?()[\]{}|/\\]/g, '\\$&'));
  return new RegExp(`(?<![\\p{L}\\p{N}_])${words.join('\\s+')}(?![\\p{L}\\p{N}_])`, 'iu');
}

function parseCondition(index: number, value: unknown): RuleCondition {
  if (value === undefined) return {};
  if (!isRecord(value)) refuse(index, 'has when that is not an object');
  const unknown = Object.keys(value).find((key) => !WHEN_FIELDS.has(key));
  if (unknown !== undefined) {
    refuse(index, `has an unknown field when.${unknown} (allowed: mediaType, minWords, context)`);
  }
  const { mediaType, minWords, context } = value;
  if (mediaType !== undefined && (typeof mediaType !== 'string' || !isMediaGlob(mediaType))) {
    refuse(index, `has when.mediaType ${JSON.stringify(mediaType)}, not a glob like text/*`);
  }
  if (
    minWords !== undefined &&
    (typeof minWords !== 'number' || !Number.isInteger(minWords) || minWords < 0)
  ) {
    refuse(index, `has when.minWords ${JSON.stringify(minWords)}, not a whole number of 0 or more`);
  }
  if (context !== undefined && (typeof context !== 'string' || context === '')) {
    refuse(index, `has when.context ${JSON.stringify(context)}, not a context name`);
  }
  return {
    ...(mediaType === undefined ? {} : { mediaType: mediaType as string }),
    ...(minWords === undefined ? {} : { minWords: minWords as number }),
    ...(context === undefined ? {} : { context: context as string }),
  };
}

function parseRule(value: unknown, index: number): ClassificationRule {
  if (!isRecord(value)) refuse(index, 'is not an object like { tag, keywords, patterns, when }');
  const unknown = Object.keys(value).find((key) => !RULE_FIELDS.has(key));
  if (unknown !== undefined) {
    const hint =
      unknown === 'pattern' || unknown === 'keyword' ? `, write ${unknown}s as a list` : '';
    refuse(
      index,
      `has an unknown field ${unknown} (allowed: tag, keywords, patterns, when${hint})`,
    );
  }
  const { tag } = value;
  if (typeof tag !== 'string' || tag.trim() === '') refuse(index, 'has no tag');
  const keywords = stringList(index, 'keywords', value.keywords).map((keyword) => ({
    keyword,
    expression: keywordExpression(keyword),
  }));
  const patterns = stringList(index, 'patterns', value.patterns).map((source, position) => {
    try {
      return new RegExp(source, 'i');
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return refuse(
        index,
        `has patterns[${position}] that is not a valid regular expression (${reason})`,
      );
    }
  });
  if (keywords.length === 0 && patterns.length === 0 && value.when === undefined) {
    refuse(index, 'has no keywords, patterns or when, so it would tag every unit');
  }
  return { index, tag: tag.trim(), keywords, patterns, when: parseCondition(index, value.when) };
}

/**
 * Checks and compiles the `rules` parameter of classify-rules. Throws InvalidInputError naming
 * the first bad rule by its index and what is wrong: a missing tag, an unknown field, a keyword
 * that is not a string, a pattern that is not a regular expression, a malformed `when`.
 */
export function parseClassificationRules(value: unknown): ClassificationRule[] {
  if (!Array.isArray(value)) {
    throw new InvalidInputError(
      'The classify-rules step has no rules parameter: give rules as a list of { tag, keywords, patterns, when }.',
    );
  }
  return value.map(parseRule);
}
