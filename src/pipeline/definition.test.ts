import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { InvalidInputError } from '../core/errors.js';
import { parsePipeline, validatePipeline } from './definition.js';

const yamlText = `
name: documents
description: Extract, classify and link documents
trigger:
  events: [UnitIngested]
  mediaTypes: ["text/*", "application/pdf"]
steps:
  - id: extract
    processor: extract-text
    version: "^1"
  - id: classify
    processor: classify-rules
    after: [extract]
    params: { rules: [ { tag: invoices, keywords: [invoice, "amount due"] } ] }
`;

/** Asserts that `fn` throws InvalidInputError whose message matches `pattern`. */
function assertInvalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

test('a YAML definition parses with the defaults applied', () => {
  const def = parsePipeline(yamlText, 'documents.yaml');
  assert.equal(def.name, 'documents');
  assert.deepEqual(def.trigger, {
    events: ['UnitIngested'],
    mediaTypes: ['text/*', 'application/pdf'],
  });
  assert.equal(def.concurrency, 8);
  assert.deepEqual(def.retry, { attempts: 5, backoffMs: 500, maxBackoffMs: 30000 });
  assert.deepEqual(def.steps[0], {
    id: 'extract',
    processor: 'extract-text',
    version: '^1',
    params: {},
    after: [],
  });
  assert.deepEqual(def.steps[1]?.params, {
    rules: [{ tag: 'invoices', keywords: ['invoice', 'amount due'] }],
  });
  // Absent optional fields are absent, not present as undefined.
  assert.equal('tags' in def.trigger, false);
  assert.equal('version' in def.steps[1]!, false);
});

test('a JSON definition parses to the same value, with given values kept over defaults', () => {
  const json = JSON.stringify(
    {
      name: 'documents',
      description: 'Extract, classify and link documents',
      trigger: { events: ['UnitIngested'], mediaTypes: ['text/*', 'application/pdf'] },
      steps: [
        { id: 'extract', processor: 'extract-text', version: '^1' },
        {
          id: 'classify',
          processor: 'classify-rules',
          after: ['extract'],
          params: { rules: [{ tag: 'invoices', keywords: ['invoice', 'amount due'] }] },
        },
      ],
    },
    null,
    2,
  );
  assert.deepEqual(parsePipeline(json, 'documents.json'), parsePipeline(yamlText, 'x.yaml'));
  const tuned = parsePipeline(
    yamlText + 'concurrency: 16\nretry: { attempts: 2 }\n',
    'documents.yaml',
  );
  assert.equal(tuned.concurrency, 16);
  assert.deepEqual(tuned.retry, { attempts: 2, backoffMs: 500, maxBackoffMs: 30000 });
});

test('an unknown field is refused, naming the field, where it is, and the file', () => {
  assertInvalid(
    () => parsePipeline(yamlText.replace('version: "^1"', 'verison: "^1"'), 'documents.yaml'),
    /^documents\.yaml: steps\[0\]: unknown field verison: remove it or check the spelling \(allowed: id, processor, version, params, after\)\.$/,
  );
  assertInvalid(
    () => parsePipeline(yamlText + 'owner: me\n', 'documents.yaml'),
    /^documents\.yaml: unknown field owner/,
  );
});

test('a wrong type is refused with the path steps[1].processor and the value found', () => {
  assertInvalid(
    () =>
      parsePipeline(
        yamlText.replace('processor: classify-rules', 'processor: 42'),
        'documents.yaml',
      ),
    /^documents\.yaml: steps\[1\]\.processor: expected a processor name \(lowercase letters, digits, dashes\), got 42\.$/,
  );
  assertInvalid(
    () => validatePipeline({ name: 'x', trigger: { events: ['UnitIngested'] } }, 'the request'),
    /^the request: steps: expected a list of steps, got nothing\.$/,
  );
  assertInvalid(
    () => parsePipeline(yamlText + 'concurrency: 1000\n', 'documents.yaml'),
    /concurrency: expected a whole number from 1 to 256, got 1000\./,
  );
  assertInvalid(
    () => parsePipeline(yamlText.replace('[UnitIngested]', '[unit-ingested]'), 'documents.yaml'),
    /trigger\.events\[0\]: expected an event type in PascalCase, such as UnitIngested, got "unit-ingested"\./,
  );
  assertInvalid(
    () => parsePipeline(yamlText.replace('"^1"', '"one"'), 'documents.yaml'),
    /steps\[0\]\.version: expected a semver range such as \^1, got "one"\./,
  );
  assertInvalid(
    () => parsePipeline(yamlText.replace('"text/*"', '"*/plain"'), 'documents.yaml'),
    /trigger\.mediaTypes\[0\]: expected a media type glob such as text\/\* or application\/pdf, got "\*\/plain"\./,
  );
});

test('a value that is not a map is refused as a whole', () => {
  assertInvalid(
    () => parsePipeline('- a\n- b\n', 'list.yaml'),
    /^list\.yaml: expected a map with name, trigger and steps, got a list\.$/,
  );
  assertInvalid(
    () => parsePipeline('', 'empty.yaml'),
    /^empty\.yaml: expected a map .*, got null\.$/,
  );
});

test('a YAML syntax error names the line and column', () => {
  const broken = 'name: documents\nsteps:\n  - id: a\n   processor: b\n';
  assertInvalid(
    () => parsePipeline(broken, 'broken.yaml'),
    /^broken\.yaml, line 4, column \d+: this is not valid YAML \(.+\): fix the syntax\.$/,
  );
  assertInvalid(
    () => parsePipeline('name: a\nname: b\n', 'dup.yaml'),
    /^dup\.yaml, line 2, column 1: this is not valid YAML \(Map keys must be unique\)/,
  );
});

test('a JSON syntax error names the line and column, as JSON', () => {
  assertInvalid(
    () => parsePipeline('{\n  "name": "documents",\n}\n', 'documents.json'),
    /^documents\.json, line 3, column 1: this is not valid JSON \(Expected double-quoted property name\): fix the syntax\.$/,
  );
  assertInvalid(
    () => parsePipeline('{ "name": "documents"', 'cut.json'),
    /^cut\.json, line 1, column 22: this is not valid JSON/,
  );
});

test('the DAG is checked: a missing after target and a cycle are named', () => {
  assertInvalid(
    () => parsePipeline(yamlText.replace('after: [extract]', 'after: [extrct]'), 'documents.yaml'),
    /^documents\.yaml: steps\[1\]\.after\[0\]: step "classify" runs after "extrct", but no step has that id/,
  );
  assertInvalid(
    () =>
      parsePipeline(
        yamlText.replace('version: "^1"', 'version: "^1"\n    after: [classify]'),
        'documents.yaml',
      ),
    /^documents\.yaml: steps: extract -> classify -> extract is a cycle/,
  );
});

test('retry bounds and parameters DAG-CBOR cannot store are refused at load', () => {
  assertInvalid(
    () => parsePipeline(yamlText + 'retry: { backoffMs: 5000, maxBackoffMs: 1000 }\n', 'r.yaml'),
    /^r\.yaml: retry\.maxBackoffMs: expected at least backoffMs \(5000\), got 1000\.$/,
  );
  assertInvalid(
    () => parsePipeline(yamlText.replace('params: {', 'params: { threshold: .nan,'), 'p.yaml'),
    /^p\.yaml: steps\[1\]\.params\.threshold is NaN, which DAG-CBOR cannot store/,
  );
});

test('the shipped example pipeline parses', () => {
  const url = new URL('../../../examples/pipelines/documents.yaml', import.meta.url);
  const def = parsePipeline(readFileSync(url, 'utf8'), 'documents.yaml');
  assert.equal(def.name, 'documents');
  assert.deepEqual(def.trigger.events, ['UnitIngested']);
  assert.deepEqual(
    def.steps.map((s) => [s.id, s.processor, s.after]),
    [
      ['extract', 'extract-text', []],
      ['meta', 'extract-metadata', ['extract']],
      ['classify', 'classify-rules', ['extract']],
      ['link', 'extract-links', ['extract']],
    ],
  );
});

test('an empty filter list is refused, saying to leave the field out instead', () => {
  assertInvalid(
    () =>
      parsePipeline(
        yamlText.replace('mediaTypes: ["text/*", "application/pdf"]', 'tags: []'),
        't.yaml',
      ),
    /^t\.yaml: trigger\.tags: expected at least one tag \(or no such field, to match any\), got an empty list\.$/,
  );
});

test('an over-long name is refused for its length', () => {
  assertInvalid(
    () => parsePipeline(yamlText.replace('name: documents', `name: ${'a'.repeat(65)}`), 'n.yaml'),
    /^n\.yaml: name: expected a pipeline name of at most 64 characters, got "a{40}…"\.$/,
  );
});

test('a trigger takes media type globs of the one grammar, application/*+json included', () => {
  const definition = parsePipeline(
    yamlText.replace('"text/*"', '"application/*+json"'),
    'documents.yaml',
  );
  assert.deepEqual(definition.trigger.mediaTypes, ['application/*+json', 'application/pdf']);
});
