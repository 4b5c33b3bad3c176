import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import picomatch from 'picomatch';

/** One regular file found by a scan. */
export interface ScannedFile {
  /** Relative to the folder, with `/` separators. */
  readonly path: string;
  readonly ctimeNs: bigint;
  readonly size: number;
}

/** Which files of the folder a connector takes. */
export interface ScanOptions {
  readonly recursive: boolean;
  readonly include?: readonly string[] | undefined;
  readonly exclude?: readonly string[] | undefined;
}

/** Stats in flight at once: enough to keep the disk busy, few enough to hold few descriptors. */
const STAT_CONCURRENCY = 64;

/** Answers whether a relative path is one the connector takes (its include and exclude globs). */
export function pathFilter(options: ScanOptions): (path: string) => boolean {
  const include = options.include?.length ? picomatch([...options.include], { dot: true }) : null;
  const exclude = options.exclude?.length ? picomatch([...options.exclude], { dot: true }) : null;
  return (path) => {
    if (!options.recursive && path.includes('/')) return false;
    if (include && !include(path)) return false;
    return !exclude?.(path);
  };
}

/**
 * Lists every regular file under `root` the options take, with its ctime in nanoseconds.
 * Symbolic links are not followed (a link cycle cannot make a scan endless, and a link out of
 * the folder cannot pull other files in); a file that vanishes during the scan is left out.
 */
export async function scanFolder(
  root: string,
  options: ScanOptions,
  signal: AbortSignal,
): Promise<ScannedFile[]> {
  const takes = pathFilter(options);
  const found: ScannedFile[] = [];
  const folders = [root];
  while (folders.length > 0 && !signal.aborted) {
    const folder = folders.pop()!;
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (err) {
      if (folder === root) throw err;
      continue; // a subfolder removed or made unreadable mid-scan: its files are simply absent
    }
    const files: string[] = [];
    for (const entry of entries) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (options.recursive) folders.push(full);
      } else if (entry.isFile()) {
        const path = relative(root, full).split(sep).join('/');
        if (takes(path)) files.push(path);
      }
    }
    for (let i = 0; i < files.length; i += STAT_CONCURRENCY) {
      const batch = files.slice(i, i + STAT_CONCURRENCY);
      const stats = await Promise.all(
        batch.map((path) => stat(join(root, path), { bigint: true }).catch(() => null)),
      );
      stats.forEach((s, j) => {
        if (s?.isFile()) found.push({ path: batch[j]!, ctimeNs: s.ctimeNs, size: Number(s.size) });
      });
    }
  }
  return found;
}
