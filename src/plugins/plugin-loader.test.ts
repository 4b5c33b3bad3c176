import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidConfigError, InvalidInputError } from '../core/errors.js';
import { definePlugin } from './plugin-api.js';
import type { PluginLogger } from './plugin-api.js';
import { loadPlugins } from './plugin-loader.js';

let dir = '';
const quiet: PluginLogger = { info() {}, warn() {}, error() {} };

/** A plugin module as a plugin author would write it: plain JS, no import from CIM. */
function pluginSource(name: string, processor: string, extra = ''): string {
  return `export default {
  name: ${JSON.stringify(name)},
  version: '1.0.0',
  cimApi: '^1.0.0',
  provides: {
    processors: {
      ${JSON.stringify(processor)}: {
        version: '1.0.0',
        description: 'Upper-cases text.',
        async run(input) { return { text: (input.text ?? '').toUpperCase() }; },
      },
    },
  },
  ${extra}
};
`;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cim-plugins-'));
  await writeFile(join(dir, 'upper.mjs'), pluginSource('cim-plugin-upper', 'upper'));
  await writeFile(join(dir, 'broken.mjs'), "throw new Error('boom at import');\n");
  await writeFile(join(dir, 'empty.mjs'), 'export const something = 1;\n');
  await writeFile(
    join(dir, 'needs-ocr.mjs'),
    pluginSource('cim-plugin-needs', 'summarise', "requires: ['processor:ocr'],"),
  );
  await writeFile(join(dir, 'copycat.mjs'), pluginSource('cim-plugin-copycat', 'upper'));
  await writeFile(
    join(dir, 'named.mjs'),
    pluginSource('cim-plugin-named', 'named').replace('export default', 'export const plugin ='),
  );
  await writeFile(
    join(dir, 'common.cjs'),
    pluginSource('cim-plugin-common', 'common').replace('export default', 'module.exports ='),
  );
  // A package folder whose package.json names its entry in "main".
  await mkdir(join(dir, 'pkg', 'lib'), { recursive: true });
  await writeFile(
    join(dir, 'pkg', 'package.json'),
    JSON.stringify({ name: 'cim-plugin-pkg', main: 'lib/entry.mjs' }),
  );
  await writeFile(join(dir, 'pkg', 'lib', 'entry.mjs'), pluginSource('cim-plugin-pkg', 'from-pkg'));
  // An installed package, found by name from node_modules, with an ESM-only exports map.
  const installed = join(dir, 'node_modules', '@acme', 'cim-ocr');
  await mkdir(installed, { recursive: true });
  await writeFile(
    join(installed, 'package.json'),
    JSON.stringify({
      name: '@acme/cim-ocr',
      type: 'module',
      exports: { '.': { import: './ocr.js' } },
    }),
  );
  await writeFile(join(installed, 'ocr.js'), pluginSource('@acme/cim-ocr', 'ocr'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a plugin is loaded from a local .mjs path relative to baseDir, and from an absolute one', async () => {
  const result = await loadPlugins(['./upper.mjs', join(dir, 'named.mjs')], {
    baseDir: dir,
    logger: quiet,
  });
  assert.deepEqual(result.refused, []);
  assert.deepEqual(
    result.loaded.map((p) => [p.definition.name, p.source, p.capabilities]),
    [
      ['cim-plugin-upper', './upper.mjs', ['processor:upper']],
      ['cim-plugin-named', join(dir, 'named.mjs'), ['processor:named']],
    ],
  );
  const run = result.loaded[0]!.definition.provides.processors!['upper']!.run;
  const output = await run(
    {
      unit: {
        unitCid: 'u',
        contentCid: 'c',
        mediaType: 'text/plain',
        name: 'a.txt',
        size: 2,
        tags: [],
        context: null,
        source: 'test',
      },
      content: async () => new Uint8Array(),
      text: 'hi',
      parameters: {},
    },
    { logger: quiet, signal: new AbortController().signal },
  );
  assert.deepEqual(output, { text: 'HI' });
});

test('a CommonJS module exporting the plugin object is loaded', async () => {
  const result = await loadPlugins(['./common.cjs'], { baseDir: dir, logger: quiet });
  assert.deepEqual(result.refused, []);
  assert.deepEqual(result.loaded[0]?.capabilities, ['processor:common']);
});

test('a plugin is loaded from a package folder with "main" and from an installed package name', async () => {
  const result = await loadPlugins(['./pkg', '@acme/cim-ocr'], { baseDir: dir, logger: quiet });
  assert.deepEqual(result.refused, []);
  assert.deepEqual(
    result.loaded.map((p) => [p.definition.name, p.source]),
    [
      ['cim-plugin-pkg', './pkg'],
      ['@acme/cim-ocr', '@acme/cim-ocr'],
    ],
  );
});

test('a module that throws on import is refused and the next plugin still loads', async () => {
  const warnings: unknown[] = [];
  const logger: PluginLogger = { ...quiet, warn: (obj) => warnings.push(obj) };
  const result = await loadPlugins(['./broken.mjs', './upper.mjs'], { baseDir: dir, logger });
  assert.deepEqual(
    result.loaded.map((p) => p.definition.name),
    ['cim-plugin-upper'],
  );
  assert.equal(result.refused.length, 1);
  const refusal = result.refused[0]!;
  assert.equal(refusal.spec, './broken.mjs');
  assert.ok(refusal.error instanceof InvalidInputError);
  assert.match(refusal.error.message, /^Plugin \.\/broken\.mjs failed to load \(boom at import\)/);
  assert.equal(warnings.length, 1);
});

test('missing files, missing packages and modules without a plugin export are refused', async () => {
  const result = await loadPlugins(['./nowhere.mjs', 'cim-plugin-absent', './empty.mjs'], {
    baseDir: dir,
    logger: quiet,
  });
  assert.equal(result.loaded.length, 0);
  const [missingFile, missingPackage, noExport] = result.refused;
  assert.ok(missingFile?.error instanceof InvalidConfigError);
  assert.match(missingFile.error.message, /^Plugin \.\/nowhere\.mjs was not found at /);
  assert.ok(missingPackage?.error instanceof InvalidConfigError);
  assert.match(missingPackage.error.message, /npm install cim-plugin-absent/);
  assert.match(
    noExport?.error.message ?? '',
    /neither a default export nor an export named plugin/,
  );
});

test('builtins come first and requirements are met only by what loaded before', async () => {
  const builtin = definePlugin({
    name: 'cim-builtin-ocr',
    version: '0.1.0',
    cimApi: '^1.0.0',
    provides: {
      processors: {
        ocr: { version: '0.1.0', description: 'OCR.', run: async () => ({ text: '' }) },
      },
    },
    requires: ['connector:folder'],
  });
  const withBuiltin = await loadPlugins(['./needs-ocr.mjs'], {
    baseDir: dir,
    logger: quiet,
    builtins: [builtin],
    componentCapabilities: ['connector:folder'],
  });
  assert.deepEqual(
    withBuiltin.loaded.map((p) => [p.definition.name, p.source]),
    [
      ['cim-builtin-ocr', 'builtin'],
      ['cim-plugin-needs', './needs-ocr.mjs'],
    ],
  );
  // Without the component capability the builtin is refused, and so is the plugin needing it.
  const without = await loadPlugins(['./needs-ocr.mjs'], {
    baseDir: dir,
    logger: quiet,
    builtins: [builtin],
  });
  assert.equal(without.loaded.length, 0);
  assert.deepEqual(
    without.refused.map((r) => [r.spec, r.definition?.name]),
    [
      ['builtin', 'cim-builtin-ocr'],
      ['./needs-ocr.mjs', 'cim-plugin-needs'],
    ],
  );
  assert.match(
    without.refused[1]!.error.message,
    /^Plugin "cim-plugin-needs@1\.0\.0" requires processor:ocr, .*nothing is available/,
  );
});

test('a second provider of the same processor is refused naming both plugins', async () => {
  const result = await loadPlugins(['./upper.mjs', './copycat.mjs'], {
    baseDir: dir,
    logger: quiet,
  });
  assert.deepEqual(
    result.loaded.map((p) => p.definition.name),
    ['cim-plugin-upper'],
  );
  assert.equal(
    result.refused[0]?.error.message,
    'Plugin "cim-plugin-copycat@1.0.0" and plugin "cim-plugin-upper@1.0.0" both provide processor:upper: remove one of them from plugins.',
  );
});

test('the same plugin listed twice is refused the second time', async () => {
  const result = await loadPlugins(['./upper.mjs', join(dir, 'upper.mjs')], {
    baseDir: dir,
    logger: quiet,
  });
  assert.equal(result.loaded.length, 1);
  assert.match(
    result.refused[0]?.error.message ?? '',
    /is already loaded as "cim-plugin-upper@1\.0\.0" from \.\/upper\.mjs/,
  );
});

test('a plugin for another API version is refused by the loader', async () => {
  const result = await loadPlugins(['./upper.mjs'], {
    baseDir: dir,
    logger: quiet,
    apiVersion: '2.0.0',
  });
  assert.equal(result.loaded.length, 0);
  assert.match(
    result.refused[0]?.error.message ?? '',
    /supports CIM plugin API \^1\.0\.0 but this CIM provides 2\.0\.0/,
  );
});
