import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = join(ROOT, '.dependency-cruiser.mjs');

/** Runs dependency-cruiser with the project's rules in `cwd`: its exit code and report. */
async function cruise(cwd: string, paths: string[]): Promise<{ code: number; report: string }> {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [DEPCRUISE, '--config', CONFIG, '--output-type', 'err', ...paths],
      { cwd, maxBuffer: 16 * 1024 * 1024 },
    );
    return { code: 0, report: stdout };
  } catch (err) {
    const failed = err as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw err;
    return { code: failed.code, report: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

test('every import of src, bench and web follows the documented direction', async () => {
  const { code, report } = await cruise(ROOT, ['src', 'bench', 'web/src']);
  assert.equal(code, 0, report);
});

test('an import against the direction fails the check, naming the rule and the files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cim-architecture-'));
  try {
    const files: Record<string, string> = {
      'tsconfig.json': JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' },
      }),
      'src/core/pure.ts': "import { node } from '../runtime/node.js';\nexport const pure = node;\n",
      'src/core/disk.ts':
        "import { readFileSync } from 'node:fs';\nexport const disk = readFileSync;\n",
      'src/runtime/node.ts': 'export const node = 1;\n',
      'src/deploy/render.ts':
        "import { leaf } from '../cluster/leaf.js';\nexport const render = leaf;\n",
      'src/cluster/leaf.ts': 'export const leaf = 1;\n',
      'src/core/pure.test.ts':
        "import { node } from '../runtime/node.js';\nexport const t = node;\n",
      'web/src/page.ts':
        "import { leaf } from '../../src/cluster/leaf.js';\nexport const page = leaf;\n",
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const { code, report } = await cruise(dir, ['src', 'web/src']);
    assert.equal(code, 4, report);
    assert.match(report, /core-imports-only-below: src\/core\/pure\.ts → src\/runtime\/node\.ts/);
    assert.match(report, /core-has-no-io: src\/core\/disk\.ts → fs/);
    assert.match(
      report,
      /deploy-imports-only-below: src\/deploy\/render\.ts → src\/cluster\/leaf\.ts/,
    );
    assert.match(report, /web-imports-only-the-shared-schemas: web\/src\/page\.ts → src\/cluster/);
    assert.doesNotMatch(report, /pure\.test\.ts/, 'tests may import anything');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
