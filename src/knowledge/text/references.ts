import { CID } from 'multiformats/cid';

/** Schemes kept as link targets; others (javascript:, data:, tel:) name nothing to link to. */
const URL_SCHEMES = new Set(['http:', 'https:', 'ftp:', 'ftps:', 'mailto:']);

/**
 * URLs, `cim:` references and bare CIDs in running text, in one pass so they come out in the
 * order they appear. Bare CIDs are only the base32 CIDv1 forms CIM writes (`bafy…` units,
 * `bafk…` content); the lookbehind keeps a CID that is part of a longer word from matching.
 */
const REFERENCE =
  /(?:https?|ftps?):\/\/[^\s<>"'`]+|\bcim:[a-z0-9]+|(?<![A-Za-z0-9])baf[yk][a-z2-7]{50,}(?![A-Za-z0-9])/g;

/** The CID in `text` written canonically, or null when `text` is not a CID. */
function parseCid(text: string): string | null {
  try {
    return CID.parse(text).toString();
  } catch {
    return null;
  }
}

/**
 * Drops punctuation that ends the sentence around a URL rather than the URL itself, such as the
 * full stop in "see https://example.org." or the bracket in "(https://example.org)".
 */
function trimUrl(url: string): string {
  let end = url.length;
  for (;;) {
    const last = url[end - 1];
    if (last === undefined) break;
    if ('.,;:!?\'"'.includes(last)) {
      end -= 1;
      continue;
    }
    const open = last === ')' ? '(' : last === ']' ? '[' : undefined;
    if (open === undefined) break;
    const body = url.slice(0, end);
    if (body.split(open).length >= body.split(last).length) break;
    end -= 1;
  }
  return url.slice(0, end);
}

/**
 * The link target `href` names: a CID (from `cim:<cid>` or a bare CID) or an absolute URL of a
 * kept scheme, resolved against `base` when given. Null for relative links without a base,
 * fragments and other schemes: they name nothing another unit could be linked to.
 */
export function linkTarget(href: string, base?: string): string | null {
  const trimmed = href.trim();
  // A bare fragment points into the document itself, not to anything it links to.
  if (trimmed === '' || trimmed.startsWith('#')) return null;
  if (/^cim:/i.test(trimmed)) return parseCid(trimmed.slice(4));
  if (/^baf[yk]/.test(trimmed)) {
    const cid = parseCid(trimmed);
    if (cid !== null) return cid;
  }
  let url: URL;
  try {
    url = new URL(trimmed, base);
  } catch {
    return null;
  }
  return URL_SCHEMES.has(url.protocol) ? url.href : null;
}

/** Link targets (see linkTarget) written in running text, in order of appearance, with repeats. */
export function scanReferences(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(REFERENCE)) {
    const raw = /^(?:https?|ftps?):/.test(match[0]) ? trimUrl(match[0]) : match[0];
    const target = linkTarget(raw);
    if (target !== null) found.push(target);
  }
  return found;
}

/** `items` without repeats, each kept where it first appears. */
export function uniqueInOrder(items: Iterable<string>): string[] {
  return [...new Set(items)];
}
