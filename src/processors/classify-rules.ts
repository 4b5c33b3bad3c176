import type { ProcessorDefinition, ProcessorUnit } from '../plugins/plugin-api.js';
import { matchesMediaGlob } from '../core/media-glob.js';
import { parseClassificationRules } from './classification-rules.js';
import type { ClassificationRule } from './classification-rules.js';
import { readDocument } from './extract-document.js';
import { uniqueInOrder } from '../knowledge/text/references.js';
import { countWords } from './text-stats.js';

/** Why a rule tagged a unit: its index, its tag and what matched. */
interface RuleMatch {
  readonly rule: number;
  readonly tag: string;
  readonly by: string;
}

/** True when the rule's `when` holds for the unit; the word count is only taken if asked for. */
function conditionHolds(
  rule: ClassificationRule,
  unit: ProcessorUnit,
  words: () => number,
): boolean {
  const { mediaType, minWords, context } = rule.when;
  if (mediaType !== undefined && !matchesMediaGlob(mediaType, unit.mediaType)) return false;
  if (context !== undefined && unit.context !== context) return false;
  return minWords === undefined || words() >= minWords;
}

/** What made the rule match `text`, or null when it does not. */
function matchOf(rule: ClassificationRule, text: string): string | null {
  if (rule.keywords.length === 0 && rule.patterns.length === 0) return 'when';
  const keyword = rule.keywords.find(({ expression }) => expression.test(text));
  if (keyword !== undefined) return `keyword ${JSON.stringify(keyword.keyword)}`;
  const pattern = rule.patterns.find((expression) => expression.test(text));
  return pattern === undefined ? null : `pattern /${pattern.source}/i`;
}

/**
 * `classify-rules`: tags a unit by rules. A rule `{ tag, keywords?, patterns?, when? }` adds
 * its tag when its `when` holds (media type glob, least word count, context) and any keyword
 * (case-insensitive, whole words or phrases) or pattern (a regular expression, flag i) is
 * found in the text; a rule with only `when` tags every unit it holds for. The metadata says
 * which rule matched and why, so a wrong tag can be traced to its rule.
 */
export const classifyRules: ProcessorDefinition = {
  version: '1.0.0',
  description: 'Tags a unit by keyword, regular expression and condition rules on its text.',
  parameters: {
    rules: {
      type: 'array',
      description:
        'The rules: a list of { tag, keywords?, patterns?, when?: { mediaType?, minWords?, context? } }.',
    },
  },
  async run(input, ctx) {
    // Rules are checked before the text is read, so a bad step fails without reading content.
    const rules = parseClassificationRules(input.parameters.rules);
    const document = await readDocument(input, ctx.signal);
    let wordCount: number | undefined;
    const words = (): number => (wordCount ??= countWords(document.text));
    const matches: RuleMatch[] = [];
    for (const rule of rules) {
      if (!conditionHolds(rule, input.unit, words)) continue;
      const by = matchOf(rule, document.text);
      if (by !== null) matches.push({ rule: rule.index, tag: rule.tag, by });
    }
    return { tags: uniqueInOrder(matches.map((match) => match.tag)), metadata: { matches } };
  },
};
