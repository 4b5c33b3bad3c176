import { decodeHTML } from 'entities';
import { lexer } from 'marked';
import type { MarkedToken, Token } from 'marked';
import { parse as parseYaml } from 'yaml';
import { htmlDocument } from './html-text.js';
import { linkTarget, scanReferences } from './references.js';
import { MAX_TITLE_CHARS, tidyText, truncate } from './text-document.js';
import type { TextDocument } from './text-document.js';

/** A YAML front matter block, as static site generators and note apps write it. */
const FRONT_MATTER = /^---[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/;

/** Where a walk over the tokens collects what it finds. */
interface Collector {
  readonly links: string[];
  heading?: string;
}

/** The `title` of a front matter block, or undefined when there is none or it is not YAML. */
function frontMatterTitle(yaml: string): string | undefined {
  try {
    const data: unknown = parseYaml(yaml, { schema: 'core', maxAliasCount: 100 });
    if (typeof data !== 'object' || data === null) return undefined;
    const title = (data as Record<string, unknown>).title;
    return typeof title === 'string' && title.trim() !== '' ? title.trim() : undefined;
  } catch {
    // Front matter is a convention, not part of Markdown: if it is not YAML, it is just text.
    return undefined;
  }
}

/**
 * The token as one of marked's own kinds. The lexer is used without extensions, so it makes no
 * other kind; the cast only undoes the union with extensions' generic tokens.
 */
function known(token: Token): MarkedToken {
  return token as MarkedToken;
}

/** A token's child tokens, for kinds a walk has no case for. */
function children(token: Token): Token[] | undefined {
  return 'tokens' in token && Array.isArray(token.tokens) ? token.tokens : undefined;
}

/** Text of an HTML fragment embedded in Markdown, adding its links to the collector's. */
function embeddedHtml(html: string, found: Collector): string {
  const fragment = htmlDocument(html);
  found.links.push(...fragment.links);
  return fragment.text;
}

/** Inline tokens as plain text: emphasis and code marks dropped, links replaced by their text. */
function inline(tokens: readonly Token[], found: Collector): string {
  return tokens
    .map((raw): string => {
      const token = known(raw);
      switch (token.type) {
        case 'text':
          if (token.tokens !== undefined) return inline(token.tokens, found);
          // The lexer leaves character references such as &amp; for the renderer to resolve.
          found.links.push(...scanReferences(decodeHTML(token.text)));
          return decodeHTML(token.text);
        case 'link': {
          const target = linkTarget(token.href);
          if (target !== null) found.links.push(target);
          // The text of an autolink is its URL again: read it without collecting it twice.
          return inline(token.tokens, { links: [] });
        }
        case 'image':
          return token.text;
        case 'br':
          return '\n';
        case 'html':
          return embeddedHtml(token.text, found);
        case 'checkbox':
          return '';
        case 'codespan':
        case 'escape':
          return token.text;
        default: {
          const nested = children(raw);
          return nested === undefined ? '' : inline(nested, found);
        }
      }
    })
    .join('');
}

/** Block tokens as plain text, one block per paragraph. */
function blocks(tokens: readonly Token[], found: Collector): string[] {
  return tokens.flatMap((raw): string[] => {
    const token = known(raw);
    switch (token.type) {
      case 'heading': {
        const text = inline(token.tokens, found);
        found.heading ??= text.replace(/\s+/g, ' ').trim();
        return [text];
      }
      case 'paragraph':
        return [inline(token.tokens, found)];
      case 'text':
        return [token.tokens !== undefined ? inline(token.tokens, found) : decodeHTML(token.text)];
      case 'code':
        // Code is kept verbatim: identifiers and messages in it are what people search for.
        return [token.text];
      case 'blockquote':
        return blocks(token.tokens, found);
      case 'list':
        return [token.items.map((item) => blocks(item.tokens, found).join('\n')).join('\n')];
      case 'table': {
        const row = (cells: readonly { tokens: Token[] }[]): string =>
          cells.map((cell) => inline(cell.tokens, found)).join(' ');
        return [[row(token.header), ...token.rows.map(row)].join('\n')];
      }
      case 'html':
        return [embeddedHtml(token.text, found)];
      case 'space':
      case 'hr':
      case 'def':
        return [];
      default: {
        const nested = children(raw);
        return nested === undefined ? [] : [inline(nested, found)];
      }
    }
  });
}

/**
 * Markdown (CommonMark with GitHub extensions) as readable plain text. The title is the front
 * matter's `title` or else the first heading; links are those the Markdown makes (inline,
 * reference, autolinks and embedded HTML anchors) plus `cim:` references and CIDs in the text.
 */
export function markdownDocument(markdown: string): TextDocument {
  const frontMatter = FRONT_MATTER.exec(markdown);
  const body = frontMatter === null ? markdown : markdown.slice(frontMatter[0].length);
  const declared = frontMatter?.[1] === undefined ? undefined : frontMatterTitle(frontMatter[1]);
  const found: Collector = { links: [] };
  const text = blocks(lexer(body, { gfm: true }), found).join('\n\n');
  const title = declared ?? (found.heading === '' ? undefined : found.heading);
  const withTitle = declared === undefined ? text : `${declared}\n\n${text}`;
  const document = { text: tidyText(withTitle), links: found.links };
  return title === undefined ? document : { ...document, title: truncate(title, MAX_TITLE_CHARS) };
}
