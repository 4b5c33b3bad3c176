import { Parser } from 'htmlparser2';
import { linkTarget, scanReferences } from './references.js';
import { MAX_TITLE_CHARS, tidyText, truncate } from './text-document.js';
import type { TextDocument } from './text-document.js';

/** Elements whose content a reader never sees as text. SVG and MathML are drawings, not prose. */
const HIDDEN = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'math',
  'iframe',
  'object',
  'canvas',
]);

/** Elements that start a paragraph of their own, so their text must not run into the next. */
const PARAGRAPHS = new Set(
  'address article aside blockquote details dialog dl fieldset figure footer form h1 h2 h3 h4 h5 h6 header hr main nav ol p pre section table ul'.split(
    ' ',
  ),
);

/** Elements that start a line but belong with their neighbours. */
const LINES = new Set('br caption dd div dt figcaption li summary tr'.split(' '));

/** Elements whose `href` is a link the reader can follow. */
const ANCHORS = new Set(['a', 'area']);

/**
 * The visible text of an HTML page or fragment, its <title>, and its links: `a`/`area` hrefs
 * (resolved against <base href> when there is one) and URLs written in the visible text.
 */
export function htmlDocument(html: string): TextDocument {
  const parts: string[] = [];
  const links: string[] = [];
  // One entry per open element: whether it started a hidden subtree, so closing it ends one.
  const opened: boolean[] = [];
  let hiddenDepth = 0;
  let preDepth = 0;
  let inTitle = false;
  let title: string | undefined;
  let base: string | undefined;
  // Newlines owed before the next text: a block's start and end, and the next block's start,
  // make one break, not three, and blank space between blocks must not split them further.
  let pendingBreak = 0;

  const breakLine = (newlines: number): void => {
    if (parts.length > 0) pendingBreak = Math.max(pendingBreak, newlines);
  };
  const write = (text: string): void => {
    if (preDepth === 0 && text.trim() === '') {
      if (pendingBreak === 0) parts.push(' ');
      return;
    }
    if (pendingBreak > 0) parts.push('\n'.repeat(pendingBreak));
    pendingBreak = 0;
    parts.push(text);
  };
  const blockEdge = (name: string): void => {
    if (PARAGRAPHS.has(name)) breakLine(2);
    else if (LINES.has(name)) breakLine(1);
  };

  const parser = new Parser(
    {
      onopentag(name, attributes) {
        const hides = HIDDEN.has(name) || 'hidden' in attributes;
        opened.push(hides);
        if (hides) hiddenDepth += 1;
        if (hiddenDepth > 0) return;
        if (name === 'title' && title === undefined) {
          inTitle = true;
          title = '';
        }
        if (name === 'base' && base === undefined && attributes.href !== undefined) {
          base = linkTarget(attributes.href) ?? undefined;
        }
        if (ANCHORS.has(name) && attributes.href !== undefined) {
          const target = linkTarget(attributes.href, base);
          if (target !== null) links.push(target);
        }
        if (name === 'pre') preDepth += 1;
        if (name === 'td' || name === 'th') write(' ');
        blockEdge(name);
      },
      ontext(data) {
        if (hiddenDepth > 0) return;
        if (inTitle) {
          title = (title ?? '') + data;
          return;
        }
        // Outside <pre>, HTML renders any run of whitespace, newlines included, as one space.
        write(preDepth > 0 ? data : data.replace(/\s+/g, ' '));
        links.push(...scanReferences(data));
      },
      onclosetag(name) {
        if (opened.pop() === true) {
          hiddenDepth -= 1;
          return;
        }
        if (hiddenDepth > 0) return;
        if (name === 'title') inTitle = false;
        if (name === 'pre') preDepth = Math.max(0, preDepth - 1);
        // A <br> is one line break: its implied closing tag must not add a second.
        if (name !== 'br') blockEdge(name);
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);

  const body = tidyText(
    parts
      .join('')
      .split('\n')
      .map((line) => line.replace(/[^\S\n]+/g, ' ').trim())
      .join('\n'),
  );
  const cleanTitle = title?.replace(/\s+/g, ' ').trim();
  if (cleanTitle === undefined || cleanTitle === '') return { text: body, links };
  // The title is part of what a reader sees (the tab, the heading of a bookmark), so search it.
  const text = body.startsWith(cleanTitle) ? body : tidyText(`${cleanTitle}\n\n${body}`);
  return { text, title: truncate(cleanTitle, MAX_TITLE_CHARS), links };
}
