import type { PipelineTrigger } from './definition.js';

/** What a trigger looks at in a unit; a Unit has all of these. */
export interface TriggerUnit {
  readonly mediaType: string;
  readonly tags: readonly string[];
  readonly context: string | null;
  readonly source: string;
}

/**
 * Compiles a glob where `*` matches any run of characters (slashes included) and everything else
 * matches itself, to an anchored RegExp.
 */
export function globToRegExp(glob: string, flags = ''): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[\\^$.|?+()[\]{}/-]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, flags);
}

// The engine tests every event against every pipeline, so compiled globs are kept. Globs come
// from definitions, which are few; the cap only guards against a process that sees endless edits.
const MAX_CACHED = 1024;
const cache = new Map<string, RegExp>();

function compiled(glob: string, flags: string): RegExp {
  const key = `${flags}:${glob}`;
  let re = cache.get(key);
  if (re === undefined) {
    if (cache.size >= MAX_CACHED) cache.clear();
    re = globToRegExp(glob, flags);
    cache.set(key, re);
  }
  return re;
}

/** True when `value` matches one of the globs. */
export function matchesAnyGlob(
  globs: readonly string[],
  value: string,
  ignoreCase = false,
): boolean {
  const flags = ignoreCase ? 'is' : 's';
  return globs.some((glob) => compiled(glob, flags).test(value));
}

/**
 * The media type without parameters (`text/plain; charset=utf-8` → `text/plain`), trimmed:
 * triggers are about the kind of content, not its encoding.
 */
function essence(mediaType: string): string {
  const semicolon = mediaType.indexOf(';');
  return (semicolon < 0 ? mediaType : mediaType.slice(0, semicolon)).trim();
}

/**
 * True when `event` on `unit` starts a pipeline with this trigger: the event type is listed, and
 * every filter present holds — the media type (without parameters, case-insensitively) matches
 * one glob, the unit carries all the tags, its context is one of the contexts (a unit without a
 * context matches none), and its source matches one glob.
 */
export function matchesTrigger(
  trigger: PipelineTrigger,
  event: { readonly type: string },
  unit: TriggerUnit,
): boolean {
  if (!trigger.events.includes(event.type)) return false;
  if (
    trigger.mediaTypes !== undefined &&
    !matchesAnyGlob(trigger.mediaTypes, essence(unit.mediaType), true)
  )
    return false;
  if (trigger.tags !== undefined && !trigger.tags.every((tag) => unit.tags.includes(tag)))
    return false;
  if (
    trigger.contexts !== undefined &&
    (unit.context === null || !trigger.contexts.includes(unit.context))
  )
    return false;
  if (trigger.sources !== undefined && !matchesAnyGlob(trigger.sources, unit.source)) return false;
  return true;
}
