import { mediaTypeEssence } from '../core/media-glob.js';
import { decodeText } from '../knowledge/text/decode-text.js';
import { readMarkup } from '../knowledge/text/markup-document.js';
import { plainDocument } from '../knowledge/text/text-document.js';
import type { TextDocument } from '../knowledge/text/text-document.js';
import type { ProcessorInput } from '../plugins/plugin-api.js';
import { csvDocument } from './csv-text.js';
import { UnsupportedMediaTypeError } from './errors.js';
import { jsonDocument } from './json-text.js';
import { isMarkup, textFormatOf } from './media-type.js';
import { pdfDocument } from './pdf-text.js';

/**
 * Documents already parsed, by the bytes they came from: the steps of one unit run share one
 * read of its content, and each text-reading step parsed it again (three Markdown parses per
 * unit in a metadata → classify → links pipeline). Documents are read-only, so sharing is safe;
 * the entry goes when the bytes do.
 */
const parsed = new WeakMap<Uint8Array, { mediaType: string; document: Promise<TextDocument> }>();

/**
 * Reads the text of a unit's bytes with the extractor for its media type. Throws
 * UnsupportedMediaTypeError for types none reads (images, archives, octet streams) and
 * MalformedContentError for bytes that are not what the type promises. The same bytes read
 * again as the same type give the same document without parsing them again (PDFs excepted: their
 * parse may be aborted by the signal of one run).
 */
export function extractDocument(
  mediaType: string,
  bytes: Uint8Array,
  signal?: AbortSignal,
): Promise<TextDocument> {
  if (textFormatOf(mediaType) === 'pdf') return parse(mediaType, bytes, signal);
  const known = parsed.get(bytes);
  if (known !== undefined && known.mediaType === mediaType) return known.document;
  const document = parse(mediaType, bytes, signal);
  parsed.set(bytes, { mediaType, document });
  return document;
}

async function parse(
  mediaType: string,
  bytes: Uint8Array,
  signal?: AbortSignal,
): Promise<TextDocument> {
  const format = textFormatOf(mediaType);
  switch (format) {
    case 'pdf':
      return pdfDocument(bytes, signal);
    case 'markdown':
    case 'html':
      return readMarkup(format, mediaType, bytes);
    case 'json':
      return jsonDocument(decodeText(mediaType, bytes), mediaTypeEssence(mediaType));
    case 'csv':
      return csvDocument(decodeText(mediaType, bytes));
    case 'plain':
      return plainDocument(decodeText(mediaType, bytes));
    case null:
      throw new UnsupportedMediaTypeError(
        mediaType,
        "run the step only on text, Markdown, HTML, PDF, JSON or CSV units, or after a step that extracts this type's text",
      );
  }
}

/**
 * The document a text-reading step works on. The text is `input.text` when an earlier step
 * extracted it, so every step sees what search indexes; otherwise the unit's bytes are
 * extracted here. Markdown and HTML are parsed from the bytes either way, because their title
 * and link targets are in the markup, which extracted text no longer has.
 */
export async function readDocument(
  input: ProcessorInput,
  signal?: AbortSignal,
): Promise<TextDocument> {
  const { mediaType } = input.unit;
  if (input.text === undefined) return extractDocument(mediaType, await input.content(), signal);
  if (!isMarkup(textFormatOf(mediaType))) return plainDocument(input.text);
  const markup = await extractDocument(mediaType, await input.content(), signal);
  return { ...markup, text: input.text };
}
