import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import type { RegisteredComponent } from '../registry/component-record.js';
import type { PluginListing } from './plugin-registry.js';

let root: string;
let node: CimUp;

/** A plugin module in plain JavaScript (no SDK import), as a user would write one. */
function pluginModule(name: string, cimApi: string, requires: string[] = []): string {
  return `export default {
  name: ${JSON.stringify(name)},
  version: '1.2.0',
  cimApi: ${JSON.stringify(cimApi)},
  requires: ${JSON.stringify(requires)},
  provides: {
    processors: {
      ${JSON.stringify(`${name}-words`)}: {
        version: '1.0.0',
        description: 'counts words',
        async run(input) { return { metadata: { words: (input.text ?? '').split(/\\s+/).length } }; },
      },
    },
  },
};
`;
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'cim-plugin-cli-'));
  writeFileSync(join(root, 'good.mjs'), pluginModule('good', '^1.0.0'));
  writeFileSync(join(root, 'future.mjs'), pluginModule('future', '>=2.0.0'));
  writeFileSync(join(root, 'needy.mjs'), pluginModule('needy', '^1.0.0', ['processor:ocr']));
  const config = join(root, 'cim.json');
  writeFileSync(
    config,
    JSON.stringify({
      plugins: [join(root, 'good.mjs'), join(root, 'future.mjs'), join(root, 'needy.mjs')],
    }),
  );
  node = await startCimUp(['--data', join(root, 'node'), '--config', config]);
});

after(async () => {
  await node.stop();
  rmSync(root, { recursive: true, force: true });
});

test('cim plugin ls: a good plugin loads; a wrong API range and a missing capability are refused naming both', async () => {
  const result = await runCim(['plugin', 'ls', '--json', '--url', node.ready.ui]);
  assert.equal(result.code, 0, result.stderr);
  const { plugins } = JSON.parse(result.stdout) as { plugins: PluginListing[] };
  const byName = new Map(plugins.map((p) => [p.name, p]));
  assert.equal(byName.get('good')?.status, 'loaded');
  assert.deepEqual(byName.get('good')?.capabilities, ['processor:good-words']);

  const future = byName.get('future');
  assert.equal(future?.status, 'refused');
  assert.match(future?.error ?? '', />=2\.0\.0/, 'names the plugin’s range');
  assert.match(future?.error ?? '', /1\.0\.0/, 'names CIM’s plugin API version');

  const needy = byName.get('needy');
  assert.equal(needy?.status, 'refused');
  assert.match(needy?.error ?? '', /needy/);
  assert.match(needy?.error ?? '', /processor:ocr/);

  const human = await runCim(['plugin', 'ls', '--url', node.ready.ui]);
  assert.match(human.stdout, /^good@1\.2\.0\s+loaded/m);
  assert.match(node.stderr(), /plugin refused/, 'the refusal is logged by the node');
});

test('what loaded plugins offer is registered with the pipeline component', async () => {
  const result = await runCim([
    'components',
    '--json',
    '--capability',
    'processor:good-words',
    '--url',
    node.ready.ui,
  ]);
  assert.equal(result.code, 0, result.stderr);
  const { components } = JSON.parse(result.stdout) as { components: RegisteredComponent[] };
  assert.deepEqual(
    components.map((c) => c.name),
    ['pipeline'],
  );
});
