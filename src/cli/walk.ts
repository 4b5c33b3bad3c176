import { lstat, opendir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** A file to ingest, or a path that cannot be, with the reason. */
export type WalkEntry =
  | { readonly kind: 'file'; readonly path: string; readonly size: number }
  | { readonly kind: 'stdin'; readonly path: '-' }
  | { readonly kind: 'error'; readonly path: string; readonly error: string };

/**
 * Expands the paths given to `cim ingest`: files as they are, folders recursively (sorted, so runs
 * are repeatable), symlinks followed once (a loop is reported, not followed forever), and special
 * files, unreadable paths and empty files reported per path.
 */
export async function* walk(paths: readonly string[]): AsyncGenerator<WalkEntry> {
  const seenDirs = new Set<string>();
  for (const path of paths) {
    if (path === '-') yield { kind: 'stdin', path: '-' };
    else yield* visit(resolve(path), seenDirs);
  }
}

async function* visit(path: string, seenDirs: Set<string>): AsyncGenerator<WalkEntry> {
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
    if (seenDirs.has(real)) {
      yield {
        kind: 'error',
        path,
        error: `${path} is a symlink loop (its folder was already visited)`,
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
    for (const name of names.sort()) yield* visit(join(path, name), seenDirs);
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
