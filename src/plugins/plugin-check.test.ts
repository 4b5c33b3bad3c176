import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../core/errors.js';
import { definePlugin } from './plugin-api.js';
import type { PluginDefinition } from './plugin-api.js';
import {
  checkCompatibility,
  checkDuplicateProviders,
  pluginCapabilities,
  validatePluginDefinition,
} from './plugin-check.js';

function plugin(overrides: Partial<PluginDefinition> = {}): PluginDefinition {
  return definePlugin({
    name: 'cim-plugin-text',
    version: '1.2.0',
    cimApi: '^1.0.0',
    provides: {
      processors: {
        'extract-text': {
          version: '1.0.0',
          description: 'Extracts text.',
          accepts: ['text/*'],
          parameters: { language: { type: 'string', default: 'en' } },
          run: async () => ({ text: 'hello' }),
        },
      },
      views: { timeline: { description: 'A timeline.', component: 'Timeline' } },
    },
    requires: ['connector:folder'],
    ...overrides,
  });
}

const api = { apiVersion: '1.0.0', available: new Set(['connector:folder']) };

test('a valid definition is returned as the same object and lists its capabilities', () => {
  const definition = plugin();
  assert.equal(validatePluginDefinition(definition, './p.mjs'), definition);
  assert.deepEqual(pluginCapabilities(definition), ['processor:extract-text', 'view:timeline']);
  assert.doesNotThrow(() => checkCompatibility(definition, api));
});

test('invalid definitions are refused naming the plugin, its source and the field', () => {
  const cases: Array<[unknown, RegExp]> = [
    [
      plugin({ version: 'one' }),
      /"cim-plugin-text@one" from \.\/p\.mjs .*\(version: must be a semver version/,
    ],
    [plugin({ cimApi: 'whenever' }), /\(cimApi: must be a semver range like \^1\.0\.0\)/],
    [plugin({ name: 'Not A Name' }), /\(name: must be an npm package name/],
    [
      plugin({ requires: ['ocr'] }),
      /\(requires\.0: must be a capability like processor:extract-text\)/,
    ],
    [{ ...plugin(), require: [] }, /\(unknown field require\)/],
    [
      plugin({ provides: { processors: { x: { version: '1.0.0', description: 'x' } as never } } }),
      /\(provides\.processors\.x\.run: must be a function\)/,
    ],
    [
      plugin({
        provides: { processors: { x: { version: 'v1', description: 'x', run: async () => ({}) } } },
      }),
      /\(provides\.processors\.x\.version: must be a semver version/,
    ],
    [
      plugin({
        provides: {
          processors: { 'Bad Name': { version: '1.0.0', description: 'x', run: async () => ({}) } },
        },
      }),
      /\(provides\.processors\.Bad Name: the key is invalid, it must be lowercase letters, digits and dashes/,
    ],
    [
      plugin({
        provides: {
          processors: {
            x: {
              version: '1.0.0',
              description: 'x',
              accepts: ['pdf'],
              run: async () => ({}),
            },
          },
        },
      }),
      /\(provides\.processors\.x\.accepts\.0: must be a media type glob/,
    ],
    [
      plugin({
        provides: {
          processors: {
            x: {
              version: '1.0.0',
              description: 'x',
              parameters: { n: { type: 'number', default: 'ten' } },
              run: async () => ({}),
            },
          },
        },
      }),
      /\(provides\.processors\.x\.parameters\.n\.default: its default is not of its type\)/,
    ],
    [42, /Plugin from \.\/p\.mjs is not a valid plugin definition/],
  ];
  for (const [value, pattern] of cases) {
    assert.throws(
      () => validatePluginDefinition(value, './p.mjs'),
      (err: unknown) => err instanceof InvalidInputError && pattern.test(err.message),
      String(pattern),
    );
  }
});

test('a plugin whose API range excludes this CIM is refused naming the range and the version', () => {
  assert.throws(
    () => checkCompatibility(plugin({ name: 'x', cimApi: '>=2.0.0' }), api),
    (err: unknown) =>
      err instanceof InvalidInputError &&
      err.message ===
        'Plugin "x@1.2.0" supports CIM plugin API >=2.0.0 but this CIM provides 1.0.0: upgrade CIM or use a release of the plugin for API 1.x.',
  );
  // A plugin made for an older API is told to update, not to upgrade CIM.
  assert.throws(
    () => checkCompatibility(plugin({ cimApi: '^0.9.0' }), api),
    (err: unknown) =>
      err instanceof InvalidInputError &&
      err.message.includes('supports CIM plugin API ^0.9.0 but this CIM provides 1.0.0') &&
      err.message.endsWith('use a release of the plugin for API 1.x.') &&
      !err.message.includes('upgrade CIM'),
  );
});

test('a missing required capability is refused naming the plugin, the capability and what is available', () => {
  assert.throws(
    () =>
      checkCompatibility(plugin({ requires: ['processor:ocr'] }), {
        apiVersion: '1.0.0',
        available: new Set(['processor:b', 'processor:a']),
      }),
    (err: unknown) =>
      err instanceof InvalidInputError &&
      err.message.startsWith('Plugin "cim-plugin-text@1.2.0" requires processor:ocr,') &&
      err.message.includes('(available: processor:a, processor:b)'),
  );
  assert.throws(
    () =>
      checkCompatibility(plugin({ requires: ['processor:ocr', 'view:map'] }), {
        apiVersion: '1.0.0',
        available: new Set(),
      }),
    /requires capabilities processor:ocr, view:map, .*\(nothing is available\)/,
  );
});

test('a capability someone already provides is refused naming both providers', () => {
  const providers = new Map([['processor:extract-text', 'plugin "cim-plugin-other@0.1.0"']]);
  assert.throws(
    () => checkDuplicateProviders(plugin(), providers),
    (err: unknown) =>
      err instanceof InvalidInputError &&
      err.message ===
        'Plugin "cim-plugin-text@1.2.0" and plugin "cim-plugin-other@0.1.0" both provide processor:extract-text: remove one of them from plugins.',
  );
  assert.doesNotThrow(() => checkDuplicateProviders(plugin(), new Map([['processor:ocr', 'x']])));
});
