import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from './errors.js';

test('docs/contracts.md lists exactly the error codes the code emits', () => {
  const doc = readFileSync(join(process.cwd(), 'docs', 'contracts.md'), 'utf8');
  const section = doc.split('## Error codes')[1]?.split('\n## ')[0] ?? '';
  const documented = [...section.matchAll(/^\| `([a-z_]+)` +\|/gm)].map((m) => m[1]);
  assert.deepEqual([...documented].sort(), [...ERROR_CODES].sort());
});
