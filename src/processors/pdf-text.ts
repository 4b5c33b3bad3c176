import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { UnavailableError } from '../core/errors.js';
import { MalformedContentError } from '../knowledge/text/malformed-content.js';
import {
  MAX_TITLE_CHARS,
  plainDocument,
  tidyText,
  truncate,
} from '../knowledge/text/text-document.js';
import type { TextDocument } from '../knowledge/text/text-document.js';
import type * as PdfJsModule from 'pdfjs-dist/legacy/build/pdf.mjs';

type PdfJs = typeof PdfJsModule;

let loaded: Promise<PdfJs> | undefined;

/**
 * PDF.js, loaded on first use: it is large and patches a few browser globals, so a CIM that
 * never sees a PDF should not pay for it. The legacy build is the one meant for Node.
 */
function pdfjs(): Promise<PdfJs> {
  loaded ??= import('pdfjs-dist/legacy/build/pdf.mjs').catch((err: unknown) => {
    // PDF.js needs DOMMatrix when it loads, which Node lacks; its optional dependency
    // @napi-rs/canvas provides it, from a prebuilt binary for each platform.
    const reason = err instanceof Error ? err.message : String(err);
    throw new UnavailableError(
      `PDF.js could not be loaded (${reason}): install pdfjs-dist with its optional dependency @napi-rs/canvas for this platform.`,
      { cause: err },
    );
  });
  return loaded;
}

/**
 * The CMaps (needed to map glyphs of CJK fonts to text) and standard font metrics that ship
 * inside pdfjs-dist, as directory paths. Given as paths, PDF.js reads them with `fs`: nothing is
 * ever fetched from the network.
 */
function bundledData(): { cMapUrl: string; standardFontDataUrl: string } {
  const root = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
  return {
    cMapUrl: `${join(root, 'cmaps')}/`,
    standardFontDataUrl: `${join(root, 'standard_fonts')}/`,
  };
}

/** Why PDF.js refused a document, as a phrase. */
function refusal(err: unknown): string {
  const name = err instanceof Error ? err.name : '';
  if (name === 'PasswordException') return 'it is encrypted with a password';
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\.\s*$/, '');
}

/**
 * The text of every page of a PDF, pages separated by blank lines, and the title from its
 * document information. Runs PDF.js in this thread (its "fake worker"): no worker, no eval, no
 * system or web fonts. Checks `signal` between pages, so a long document can be abandoned.
 */
export async function pdfDocument(bytes: Uint8Array, signal?: AbortSignal): Promise<TextDocument> {
  const { getDocument, VerbosityLevel } = await pdfjs();
  const task = getDocument({
    // PDF.js transfers the buffer it is given to its worker side; a copy leaves the caller's intact.
    data: new Uint8Array(bytes),
    ...bundledData(),
    useWorkerFetch: false,
    useSystemFonts: false,
    disableFontFace: true,
    isEvalSupported: false,
    enableXfa: false,
    verbosity: VerbosityLevel.ERRORS,
  });
  try {
    let pdf;
    try {
      pdf = await task.promise;
    } catch (err) {
      throw new MalformedContentError('application/pdf', refusal(err), { cause: err });
    }
    const pages: string[] = [];
    for (let number = 1; number <= pdf.numPages; number += 1) {
      // The fake worker answers through promises alone; yielding to the event loop lets other
      // work, and the step's timeout, run between pages of a long document.
      await setImmediate();
      signal?.throwIfAborted();
      const page = await pdf.getPage(number);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items) {
        if ('str' in item) text += item.str + (item.hasEOL ? '\n' : '');
      }
      pages.push(text);
      page.cleanup();
    }
    const { info } = await pdf.getMetadata();
    const declared = (info as { Title?: unknown } | undefined)?.Title;
    const document = plainDocument(tidyText(pages.join('\n\n')));
    const facts = { pages: pdf.numPages };
    return typeof declared === 'string' && declared.trim() !== ''
      ? { ...document, title: truncate(declared.trim(), MAX_TITLE_CHARS), facts }
      : { ...document, facts };
  } finally {
    await task.destroy();
  }
}
