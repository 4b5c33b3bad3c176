import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../core/errors.js';
import type { ConnectorDefinition as ConnectorKind } from '../plugins/plugin-api.js';
import { inlineSecret, parseConnector, validateConnector } from './definition.js';
import type { ConnectorKinds } from './definition.js';

const httpKind: ConnectorKind = {
  version: '1.0.0',
  description: 'test kind',
  defaultIntervalMs: 60_000,
  checkSettings(settings) {
    if (typeof settings['url'] !== 'string')
      return { ok: false, error: 'settings.url: expected a URL such as https://example.org/.' };
    return { ok: true, settings: { url: settings['url'], limit: 10 } };
  },
  open() {
    throw new Error('not opened in this test');
  },
};
const plainKind: ConnectorKind = {
  version: '1.0.0',
  description: 'a kind without a default interval, taking any settings',
  checkSettings: (settings) => ({ ok: true, settings: settings as Record<string, never> }),
  open: httpKind.open,
};

const kinds: ConnectorKinds = {
  kind: (name) => (name === 'http' ? httpKind : name === 'plain' ? plainKind : undefined),
  names: () => ['plain', 'http'],
};

const refusal = (text: string) => {
  try {
    parseConnector(text, 'c.yaml', kinds);
  } catch (err) {
    assert.ok(err instanceof InvalidInputError);
    assert.doesNotMatch(err.message, /\n/, 'one line');
    return err.message;
  }
  assert.fail('the definition was accepted');
};

test('a definition gets every default, the interval from its kind', () => {
  const def = parseConnector(
    'name: site\nkind: http\nsettings:\n  url: https://x.test/\n',
    'c.yaml',
    kinds,
  );
  assert.deepEqual(def, {
    name: 'site',
    kind: 'http',
    intervalMs: 60_000,
    tags: [],
    context: null,
    ratePerSecond: 0,
    retry: { attempts: 5, backoffMs: 1000, maxBackoffMs: 300_000 },
    settings: { url: 'https://x.test/', limit: 10 },
  });
});

test('a kind without a default interval polls every five minutes; JSON is read as well', () => {
  const def = parseConnector(
    '{"name": "p", "kind": "plain", "tags": ["a"], "context": "work"}',
    'c.json',
    kinds,
  );
  assert.equal(def.intervalMs, 300_000);
  assert.deepEqual([def.tags, def.context, def.settings], [['a'], 'work', {}]);
});

test('an unknown kind is refused naming the known kinds', () => {
  assert.equal(
    refusal('name: a\nkind: gopher\n'),
    'c.yaml: kind: there is no connector kind "gopher" (known: http, plain); use one of them or load the plugin that provides it.',
  );
});

test('a missing or an extra field is refused naming it', () => {
  assert.match(
    refusal('kind: http\nsettings: {url: x}\n'),
    /^c\.yaml: name: expected a connector name/,
  );
  assert.match(refusal('name: a\nsettings: {}\n'), /^c\.yaml: kind: expected a connector kind/);
  assert.match(
    refusal('name: a\nkind: http\nsettings: {url: x}\nschedule: 5\n'),
    /^c\.yaml: unknown field schedule: remove it/,
  );
  assert.match(
    refusal('name: a\nkind: http\nsettings: {url: x}\nretry: {tries: 2}\n'),
    /^c\.yaml: retry: unknown field tries/,
  );
});

test('a name that is not a token is refused', () => {
  assert.match(
    refusal('name: my.site\nkind: http\nsettings: {url: x}\n'),
    /^c\.yaml: name: expected a connector name .*got "my\.site"/,
  );
});

test("the kind's own refusal of its settings is the sentence", () => {
  assert.equal(
    refusal('name: a\nkind: http\nsettings: {url: 5}\n'),
    'c.yaml: settings.url: expected a URL such as https://example.org/.',
  );
});

test('a secret written inline is refused, a file naming it is not', () => {
  assert.equal(
    refusal('name: a\nkind: plain\nsettings: {password: hunter2}\n'),
    'c.yaml: settings.password: a secret is never written in a definition; put it in a file and name it in settings.passwordFile.',
  );
  assert.match(
    refusal('name: a\nkind: plain\nsettings: {auth: {apiKey: abc}}\n'),
    /settings\.auth\.apiKey: a secret/,
  );
  assert.match(
    refusal('name: a\nkind: plain\nsettings: {access_token: abc}\n'),
    /settings\.access_token: a secret/,
  );
  assert.equal(
    inlineSecret({ passwordFile: 'p', monkey: 'x', keyword: 'y', useToken: true }),
    undefined,
  );
});

test('validateConnector refuses a value that is not a map', () => {
  assert.throws(
    () => validateConnector([1], 'body', kinds),
    /^InvalidInputError: body: expected a map/,
  );
});
