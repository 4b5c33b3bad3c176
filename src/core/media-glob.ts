/**
 * The one grammar of media type globs, used by processors' `accepts`, classification rules,
 * pipeline triggers and storage policies alike:
 *
 * - `*\/*` matches every media type;
 * - `type/*` every subtype of one type (`text/*`);
 * - `type/subtype` one media type (`application/pdf`);
 * - a subtype may hold `*` anywhere, matching a run of one or more characters of the subtype:
 *   `application/*+json` (every JSON-based type, by the structured-syntax suffix of RFC 6839),
 *   `application/vnd.ms-*`.
 *
 * The type is never partly a wildcard, and `*` as the type needs `*` as the subtype: `*\/plain`
 * names no family of types (as in HTTP's Accept, RFC 9110). Names are RFC 6838's restricted
 * names. Matching ignores case and the media type's parameters (`; charset=utf-8`), since a glob
 * is about the kind of content, not its encoding; a `*` never spans the `/`.
 */

const NAME = '[a-z0-9][a-z0-9!#$&^_.+-]{0,126}';
const SUBTYPE_GLOB = '[a-z0-9*][a-z0-9!#$&^_.+*-]{0,126}';
const GLOB_PATTERN = new RegExp(`^(?:\\*/\\*|${NAME}/${SUBTYPE_GLOB})$`, 'i');

/** True when `glob` is a media type glob of the grammar above. */
export function isMediaGlob(glob: string): boolean {
  return GLOB_PATTERN.test(glob);
}

/** The media type without parameters, trimmed and lowercased: `Text/Plain; q=1` → `text/plain`. */
export function mediaTypeEssence(mediaType: string): string {
  const semicolon = mediaType.indexOf(';');
  return (semicolon < 0 ? mediaType : mediaType.slice(0, semicolon)).trim().toLowerCase();
}

// Matching runs for every unit against every trigger, rule and processor; globs are few.
const MAX_CACHED = 1024;
const compiled = new Map<string, RegExp | null>();

function compile(glob: string): RegExp | null {
  let re = compiled.get(glob);
  if (re === undefined) {
    if (compiled.size >= MAX_CACHED) compiled.clear();
    if (!isMediaGlob(glob)) re = null;
    else {
      const [type = '', subtype = ''] = glob.toLowerCase().split('/');
      const typePart = type === '*' ? '[^/]+' : escape(type);
      const subtypePart = subtype.split('*').map(escape).join('[^/]+');
      re = new RegExp(`^${typePart}/${subtypePart}$`);
    }
    compiled.set(glob, re);
  }
  return re;
}

function escape(text: string): string {
  return text.replace(/[\\^$.|?+()[\]{}*-]/g, '\\$&');
}

/** True when `mediaType` matches `glob`; a string that is not a glob matches nothing. */
export function matchesMediaGlob(glob: string, mediaType: string): boolean {
  return compile(glob)?.test(mediaTypeEssence(mediaType)) ?? false;
}

/** True when `mediaType` matches one of `globs`; no list at all (`undefined`) means any. */
export function matchesAnyMediaGlob(
  globs: readonly string[] | undefined,
  mediaType: string,
): boolean {
  return globs === undefined || globs.some((glob) => matchesMediaGlob(glob, mediaType));
}
