import type { ProcessorDefinition } from '../plugins/plugin-api.js';
import { readDocument } from './extract-document.js';
import { uniqueInOrder } from '../knowledge/text/references.js';
import { firstLineTitle } from '../knowledge/text/text-document.js';
import { countWords, detectLanguage } from './text-stats.js';

/** True for a URL target: every URL has a scheme, and the other targets, CIDs, have no colon. */
function isUrl(target: string): boolean {
  return target.includes(':');
}

/**
 * `extract-metadata`: facts about a unit's text, returned as metadata: `title` (the front
 * matter or first Markdown heading, the HTML <title>, the PDF's declared title, else the first
 * non-empty line; at most 200 characters; null when there is no text), `language` (ISO 639-3,
 * or `und`), `wordCount`, and `links`, the URLs the text links to, each once.
 */
export const extractMetadata: ProcessorDefinition = {
  version: '1.0.0',
  description: 'Reads the title, language, word count and linked URLs of a unit’s text.',
  async run(input, ctx) {
    const document = await readDocument(input, ctx.signal);
    return {
      metadata: {
        title: document.title ?? firstLineTitle(document.text) ?? null,
        language: detectLanguage(document.text),
        wordCount: countWords(document.text),
        links: uniqueInOrder(document.links.filter(isUrl)),
      },
    };
  },
};
