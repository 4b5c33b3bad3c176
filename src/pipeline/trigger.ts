import { matchesAnyMediaGlob } from '../core/media-glob.js';
import type { PipelineTrigger } from './definition.js';

/** What a trigger looks at in a unit; a Unit has all of these. */
export interface TriggerUnit {
  readonly mediaType: string;
  readonly tags: readonly string[];
  readonly context: string | null;
  readonly source: string;
}

/**
 * Compiles a source glob, where `*` matches any run of characters (slashes included) and
 * everything else matches itself, to an anchored RegExp. Media type globs have their own grammar
 * (core/media-glob.ts).
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

function compiled(glob: string): RegExp {
  let re = cache.get(glob);
  if (re === undefined) {
    if (cache.size >= MAX_CACHED) cache.clear();
    re = globToRegExp(glob, 's');
    cache.set(glob, re);
  }
  return re;
}

/** True when `value` matches one of the source globs (case matters: sources are URLs and paths). */
function matchesAnySourceGlob(globs: readonly string[], value: string): boolean {
  return globs.some((glob) => compiled(glob).test(value));
}

/**
 * True when `event` on `unit` starts a pipeline with this trigger: the event type is listed, and
 * every filter present holds — the media type matches one glob (core/media-glob.ts), the unit carries all the tags, its context is one of the contexts (a unit without a
 * context matches none), and its source matches one glob.
 */
export function matchesTrigger(
  trigger: PipelineTrigger,
  event: { readonly type: string },
  unit: TriggerUnit,
): boolean {
  if (!trigger.events.includes(event.type)) return false;
  if (trigger.mediaTypes !== undefined && !matchesAnyMediaGlob(trigger.mediaTypes, unit.mediaType))
    return false;
  if (trigger.tags !== undefined && !trigger.tags.every((tag) => unit.tags.includes(tag)))
    return false;
  if (
    trigger.contexts !== undefined &&
    (unit.context === null || !trigger.contexts.includes(unit.context))
  )
    return false;
  if (trigger.sources !== undefined && !matchesAnySourceGlob(trigger.sources, unit.source))
    return false;
  return true;
}
