import type { ProcessorDefinition } from '../plugins/plugin-api.js';
import { baseNameOf, textUnit } from './derived-text.js';
import { extractDocument } from './extract-document.js';
import { textFormatOf } from './media-type.js';

/**
 * `extract-text`: the readable text of a unit, for the search index and the steps after it,
 * also kept as a derived `<name>.txt` unit so people can see and reuse what was indexed.
 * Markdown loses its syntax, HTML its markup, scripts and styles, a PDF gives the text of every
 * page, JSON its keys and string values, CSV its rows. Other types fail, naming the type.
 */
export const extractText: ProcessorDefinition = {
  version: '1.0.0',
  description:
    'Extracts the readable text of plain text, Markdown, HTML, PDF, JSON and CSV units into text/plain.',
  accepts: [
    'text/plain',
    'text/markdown',
    'text/html',
    'application/xhtml+xml',
    'application/pdf',
    'application/json',
    'text/csv',
    'text/*',
  ],
  async run(input, ctx) {
    const { unit } = input;
    const document = await extractDocument(unit.mediaType, await input.content(), ctx.signal);
    const metadata = {
      format: textFormatOf(unit.mediaType),
      characters: document.text.length,
      ...(document.title === undefined ? {} : { title: document.title }),
      ...document.facts,
    };
    if (document.text.trim() === '') {
      // Not a failure: a scanned PDF or an empty note has no text, and retrying will not add any.
      ctx.logger.warn({ unitCid: unit.unitCid }, 'The unit has no text to extract.');
      return { text: '', metadata };
    }
    return {
      text: document.text,
      derived: [textUnit(`${baseNameOf(unit)}.txt`, document.text)],
      metadata,
    };
  },
};
