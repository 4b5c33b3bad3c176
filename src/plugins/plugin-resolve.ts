import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { InvalidConfigError } from '../core/errors.js';

/** True when a spec in `plugins` is a path (`./x.mjs`, `../x`, `/opt/x`), not a package name. */
export function isPathSpec(spec: string): boolean {
  return spec.startsWith('.') || isAbsolute(spec);
}

async function kindOf(path: string): Promise<'file' | 'directory' | null> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'directory' : 'file';
  } catch {
    return null;
  }
}

/**
 * The entry of `exports` for an import of the package root. Only the common shapes are read
 * (a string, `"."`, and the `import`/`node`/`default` conditions), which is what plugins use;
 * a package needing more can point `main` at its entry.
 */
function exportsEntry(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (Array.isArray(exports)) return exports.map(exportsEntry).find((entry) => entry !== undefined);
  if (typeof exports !== 'object' || exports === null) return undefined;
  const map = exports as Record<string, unknown>;
  if ('.' in map) return exportsEntry(map['.']);
  for (const condition of ['import', 'node', 'default']) {
    const entry = exportsEntry(map[condition]);
    if (entry !== undefined) return entry;
  }
  return undefined;
}

/** The file a package folder's package.json names as its entry (`exports`, then `main`). */
async function packageEntry(folder: string, spec: string): Promise<string> {
  const manifestPath = join(folder, 'package.json');
  let manifest: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(await readFile(manifestPath, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null) manifest = parsed as Record<string, unknown>;
  } catch (err) {
    // A folder without package.json is allowed (its index.js is the entry); a broken one is not.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new InvalidConfigError(
        `Plugin ${spec}: ${manifestPath} is not valid JSON: fix the plugin's package.json.`,
        { cause: err },
      );
    }
  }
  const main = typeof manifest['main'] === 'string' ? manifest['main'] : undefined;
  const named = exportsEntry(manifest['exports']) ?? main;
  const candidates = named !== undefined ? [named] : ['index.mjs', 'index.js'];
  for (const candidate of candidates) {
    const file = resolve(folder, candidate);
    if ((await kindOf(file)) === 'file') return file;
  }
  throw new InvalidConfigError(
    `Plugin ${spec}: the package at ${folder} has no entry file ${candidates.join(' or ')}: build the plugin, or fix "exports" or "main" in its package.json.`,
  );
}

/** The package name of a bare spec and whether a subpath follows it (`@a/b/x`, `b/x`). */
function splitPackageSpec(spec: string): { name: string; hasSubpath: boolean } {
  const parts = spec.split('/');
  const length = spec.startsWith('@') ? 2 : 1;
  return { name: parts.slice(0, length).join('/'), hasSubpath: parts.length > length };
}

/** Looks for `node_modules/<name>` in baseDir and each folder above it, as Node does. */
async function findPackageFolder(name: string, baseDir: string): Promise<string | null> {
  let dir = resolve(baseDir);
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if ((await kindOf(candidate)) === 'directory') return candidate;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * Resolves a spec from `plugins` to the file to import: a path (relative to `baseDir`) to a
 * module or a package folder, or an installed package's name. Throws InvalidConfigError when
 * nothing is there, since the fix is in the configuration or the installation.
 */
export async function resolvePluginSpec(spec: string, baseDir: string): Promise<string> {
  if (isPathSpec(spec)) {
    const target = resolve(baseDir, spec);
    const kind = await kindOf(target);
    if (kind === 'file') return target;
    if (kind === 'directory') return packageEntry(target, spec);
    throw new InvalidConfigError(
      `Plugin ${spec} was not found at ${target}: check the path in plugins (relative paths start from ${baseDir}).`,
    );
  }
  const { name, hasSubpath } = splitPackageSpec(spec);
  if (hasSubpath) {
    // Rare for plugins; Node's CommonJS resolver reads the package's exports map for it.
    try {
      return createRequire(join(baseDir, 'package.json')).resolve(spec);
    } catch (err) {
      throw new InvalidConfigError(
        `Plugin ${spec} cannot be resolved from ${baseDir}: install ${name} there or give the plugin's path.`,
        { cause: err },
      );
    }
  }
  const folder = await findPackageFolder(name, baseDir);
  if (folder === null) {
    throw new InvalidConfigError(
      `Plugin package ${spec} is not installed in ${baseDir} or a folder above it: run npm install ${spec} there, or give the plugin's path.`,
    );
  }
  return packageEntry(folder, spec);
}
