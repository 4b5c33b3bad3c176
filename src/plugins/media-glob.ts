/** Media type globs, as processors write them in `accepts`: `*\/*`, `text/*`, `application/pdf`. */

const TOKEN = "[a-z0-9][a-z0-9!#$&^_.+'-]*";
const GLOB_PATTERN = new RegExp(`^(?:\\*/\\*|${TOKEN}/(?:\\*|${TOKEN}))$`, 'i');

/** True when `glob` is `*\/*`, `type/*` or `type/subtype`. */
export function isMediaGlob(glob: string): boolean {
  return GLOB_PATTERN.test(glob);
}

/** The media type without parameters, lowercased: `Text/Plain; charset=utf-8` → `text/plain`. */
function essence(mediaType: string): string {
  return (mediaType.split(';')[0] ?? '').trim().toLowerCase();
}

/** True when `mediaType` matches `glob`; media type parameters are ignored. */
export function matchesMediaGlob(glob: string, mediaType: string): boolean {
  const [type, subtype] = essence(mediaType).split('/');
  const [globType, globSubtype] = glob.toLowerCase().split('/');
  if (type === undefined || subtype === undefined) return false;
  return (
    (globType === '*' || globType === type) && (globSubtype === '*' || globSubtype === subtype)
  );
}

/** True when a processor with these `accepts` globs takes `mediaType`; no globs means any. */
export function acceptsMediaType(
  accepts: readonly string[] | undefined,
  mediaType: string,
): boolean {
  return accepts === undefined || accepts.some((glob) => matchesMediaGlob(glob, mediaType));
}
