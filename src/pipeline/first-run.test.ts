import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePipeline } from './definition.js';
import { DOCUMENTS_PIPELINE } from './first-run.js';

const EXAMPLE = fileURLToPath(
  new URL('../../../examples/pipelines/documents.yaml', import.meta.url),
);

test('the built-in documents pipeline is the one examples/pipelines/documents.yaml defines', () => {
  assert.deepEqual(DOCUMENTS_PIPELINE, parsePipeline(readFileSync(EXAMPLE, 'utf8'), EXAMPLE));
});
