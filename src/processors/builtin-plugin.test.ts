import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../core/errors.js';
import { pluginCapabilities, validatePluginDefinition } from '../plugins/plugin-check.js';
import { runProcessor } from '../plugins/run-processor.js';
import type { ProcessorDefinition } from '../plugins/plugin-api.js';
import { builtinPlugin } from './builtin-plugin.js';
import { testInput } from '../testing/processor-input.js';
import { readFileSync } from 'node:fs';
import { parsePipeline } from '../pipeline/definition.js';
import { resolveParameters } from '../plugins/parameters.js';
import { parseClassificationRules } from './classification-rules.js';
import { plainMessage } from '../testing/mail-fixtures.js';

const silent = { info() {}, warn() {}, error() {} };

test('the built-in plugin is a valid plugin providing the six processors', () => {
  assert.equal(validatePluginDefinition(builtinPlugin, 'builtin'), builtinPlugin);
  assert.deepEqual(pluginCapabilities(builtinPlugin), [
    'processor:extract-text',
    'processor:extract-metadata',
    'processor:chunk',
    'processor:classify-rules',
    'processor:extract-links',
    'processor:extract-email',
  ]);
});

test('every built-in processor runs through the engine on a unit it accepts with a valid output', async () => {
  const markdown = '# Title\n\nAn invoice, see https://example.org/x.\n';
  const parameters: Record<string, Record<string, unknown>> = {
    'classify-rules': { rules: [{ tag: 'invoices', keywords: ['invoice'] }] },
  };
  // extract-email reads messages only; every other processor reads Markdown.
  const units: Record<string, { mediaType: string; content: string }> = {
    'extract-email': { mediaType: 'message/rfc822', content: plainMessage({ id: 'builtin' }) },
  };
  for (const [name, definition] of Object.entries(builtinPlugin.provides.processors)) {
    const unit = units[name] ?? { mediaType: 'text/markdown', content: markdown };
    const input = testInput(definition, unit);
    const result = await runProcessor(
      { name, definition },
      { ...input, parameters: parameters[name] ?? {} },
      { logger: silent },
      10_000,
    );
    assert.ok(result.ok, result.ok ? '' : `${name}: ${result.error.message}`);
  }
});

test('the engine refuses to run extract-text on a media type it does not accept', async () => {
  const definition = builtinPlugin.provides.processors['extract-text'];
  const input = testInput(definition, { mediaType: 'image/png', content: new Uint8Array([1]) });
  const result = await runProcessor(
    { name: 'extract-text', definition },
    input,
    { logger: silent },
    10_000,
  );
  assert.ok(!result.ok);
  assert.ok(result.error instanceof InvalidInputError);
  assert.match(result.error.message, /image\/png/);
});

test('the shipped example pipelines name only built-in processors, with parameters they accept', () => {
  for (const example of ['documents.yaml', 'mail.yaml']) {
    const file = new URL(`../../../examples/pipelines/${example}`, import.meta.url);
    const pipeline = parsePipeline(readFileSync(file, 'utf8'), example);
    const processors: Readonly<Record<string, ProcessorDefinition>> =
      builtinPlugin.provides.processors;
    for (const step of pipeline.steps) {
      const processor = processors[step.processor];
      assert.ok(
        processor,
        `${example}, step ${step.id}: ${step.processor} is a built-in processor`,
      );
      resolveParameters(step.processor, processor.parameters ?? {}, step.params);
    }
  }
});

test('the documents example pipeline classifies by its three rules', () => {
  const file = new URL('../../../examples/pipelines/documents.yaml', import.meta.url);
  const pipeline = parsePipeline(readFileSync(file, 'utf8'), 'documents.yaml');
  const classify = pipeline.steps.find((s) => s.processor === 'classify-rules');
  assert.ok(classify);
  assert.equal(parseClassificationRules(classify.params['rules']).length, 3);
});
