import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../core/errors.js';
import { definePlugin } from './plugin-api.js';
import { pluginCapabilities } from './plugin-check.js';
import { PluginSet } from './plugin-registry.js';

const text = definePlugin({
  name: 'cim-plugin-text',
  version: '1.2.0',
  cimApi: '^1.0.0',
  provides: {
    processors: {
      'extract-text': { version: '1.0.0', description: 'Text.', run: async () => ({}) },
    },
    views: { timeline: { description: 'A timeline.' } },
  },
});

const set = new PluginSet({
  loaded: [{ definition: text, source: './text.mjs', capabilities: pluginCapabilities(text) }],
  refused: [
    { spec: './broken.mjs', error: new InvalidInputError('Plugin ./broken.mjs failed to load.') },
    {
      spec: 'cim-plugin-new',
      error: new InvalidInputError('Plugin "cim-plugin-new@3.0.0" supports CIM plugin API ^2.0.0.'),
      definition: { ...text, name: 'cim-plugin-new', version: '3.0.0', cimApi: '^2.0.0' },
    },
  ],
});

test('a processor is found by name with its plugin; an unknown one is undefined', () => {
  const found = set.processor('extract-text');
  assert.equal(found?.plugin.definition.name, 'cim-plugin-text');
  assert.equal(found?.definition.version, '1.0.0');
  assert.equal(found?.name, 'extract-text');
  assert.equal(set.processor('ocr'), undefined);
  assert.equal(set.processor('constructor'), undefined);
  assert.equal(set.definition('view', 'timeline')?.definition.description, 'A timeline.');
  assert.equal(set.definition('connector', 'timeline'), undefined);
  assert.deepEqual([...set.capabilities()], ['processor:extract-text', 'view:timeline']);
});

test('the listing shows loaded and refused plugins with the refusal sentence', () => {
  assert.deepEqual(set.list(), [
    {
      name: 'cim-plugin-text',
      version: '1.2.0',
      cimApi: '^1.0.0',
      capabilities: ['processor:extract-text', 'view:timeline'],
      source: './text.mjs',
      status: 'loaded',
      error: null,
    },
    {
      name: './broken.mjs',
      version: null,
      cimApi: null,
      capabilities: [],
      source: './broken.mjs',
      status: 'refused',
      error: 'Plugin ./broken.mjs failed to load.',
    },
    {
      name: 'cim-plugin-new',
      version: '3.0.0',
      cimApi: '^2.0.0',
      capabilities: [],
      source: 'cim-plugin-new',
      status: 'refused',
      error: 'Plugin "cim-plugin-new@3.0.0" supports CIM plugin API ^2.0.0.',
    },
  ]);
});
