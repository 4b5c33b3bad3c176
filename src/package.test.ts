import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What does not belong in the package: tests, contract suites, test harnesses, benchmarks. */
const NOT_SHIPPED = /\.test\.|\.contract\.|^dist\/src\/testing\/|^dist\/bench\//;

/** The files `npm pack` would put in the package, as it lists them. */
async function packedFiles(): Promise<string[]> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const { stdout } = await promisify(execFile)(
    npm,
    ['pack', '--dry-run', '--json', '--ignore-scripts'],
    {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const [pack] = JSON.parse(stdout) as { files: { path: string }[] }[];
  assert.ok(pack, 'npm pack reported no package');
  return pack.files.map((file) => file.path);
}

/** Every file under `dir`, relative to the repository root, with forward slashes. */
function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

test('the package holds what cim runs on and no test, test harness or benchmark', async () => {
  const packed = await packedFiles();
  const shipped = new Set(packed);
  assert.deepEqual(
    packed.filter((path) => NOT_SHIPPED.test(path)),
    [],
    'tests, harnesses and benchmarks are left out',
  );
  for (const needed of ['bin/cim.js', 'package.json', 'dist/src/cli/main.js']) {
    assert.ok(shipped.has(needed), `${needed} is in the package`);
  }
  const missing = [...filesUnder('dist/src'), ...filesUnder('dist/web')].filter(
    (path) => !NOT_SHIPPED.test(path) && !shipped.has(path),
  );
  assert.deepEqual(missing, [], 'every compiled module and the built web app are in the package');
  assert.ok(
    packed.some((path) => path.startsWith('dist/web/') && path.endsWith('index.html')),
    'the web app is in the package (npm run build builds it)',
  );
});
