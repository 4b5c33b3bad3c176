import { lstat, opendir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** A file to ingest, or a path that cannot be, with the reason. */
export type WalkEntry =
  | { readonly kind: 'file'; readonly path: string; readonly size: number }
  | { readonly kind: 'stdin'; readonly path: '-' }
  | { readonly kind: 'error'; readonly path: string; readonly error: string }
  /** Not an error: a link to a folder that this walk has already gone through. */
  | { readonly kind: 'skipped'; readonly path: string; readonly reason: string };

/**
 * Expands the paths given to `cim ingest`: files as they are, folders recursively (sorted, so runs
 * are repeatable), symlinks followed once (a loop is reported, a second way into the same folder is
 * skipped with a note), and special
 * files, unreadable paths and empty files reported per path.
 */
export async function* walk(paths: readonly string[]): AsyncGenerator<WalkEntry> {
  const seenDirs = new Set<string>();
  for (const path of paths) {
    if (path === '-') yield { kind: 'stdin', path: '-' };
    else yield* visit(resolve(path), seenDirs, new Set());
  }
}

/** `ancestors` holds the real paths of the folders above `path`: reaching one again is a loop. */
async function* visit(
  path: string,
  seenDirs: Set<string>,
  ancestors: ReadonlySet<string>,
): AsyncGenerator<WalkEntry> {
  let info;
  try {
    info = (await lstat(path)).isSymbolicLink() ? await stat(path) : await lstat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ELOOP'
        ? 'is a symlink loop'
        : code === 'ENOENT'
          ? 'does not exist (or is a dangling symlink)'
          : code === 'EACCES'
            ? 'is not readable (permission denied)'
            : `cannot be read (${code ?? 'error'})`;
    yield { kind: 'error', path, error: `${path} ${reason}` };
    return;
  }
  if (info.isDirectory()) {
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      real = path;
    }
    if (ancestors.has(real)) {
      yield { kind: 'error', path, error: `${path} is a symlink loop (it leads back to ${real})` };
      return;
    }
    if (seenDirs.has(real)) {
      yield {
        kind: 'skipped',
        path,
        reason: `${path} links to ${real}, a folder this ingest already went through`,
      };
      return;
    }
    seenDirs.add(real);
    let names: string[];
    try {
      const dir = await opendir(path);
      names = [];
      for await (const entry of dir) names.push(entry.name);
    } catch (err) {
      yield {
        kind: 'error',
        path,
        error: `${path} is not readable (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      };
      return;
    }
    const inside = new Set(ancestors).add(real);
    for (const name of names.sort()) yield* visit(join(path, name), seenDirs, inside);
    return;
  }
  if (!info.isFile()) {
    yield {
      kind: 'error',
      path,
      error: `${path} is a special file (device, socket or pipe), not ingested`,
    };
    return;
  }
  if (info.size === 0) {
    yield { kind: 'error', path, error: `${path} is empty, nothing to ingest` };
    return;
  }
  yield { kind: 'file', path, size: info.size };
}
