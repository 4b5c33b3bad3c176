import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { walk } from './walk.js';
import type { WalkEntry } from './walk.js';

const root = mkdtempSync(join(tmpdir(), 'cim-walk-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function entries(path: string): Promise<WalkEntry[]> {
  const found: WalkEntry[] = [];
  for await (const entry of walk([path])) found.push(entry);
  return found;
}

test('a link back to a folder above is a loop; a second way into a folder is skipped, not an error', async () => {
  const tree = join(root, 'tree');
  mkdirSync(join(tree, 'docs', 'cpp'), { recursive: true });
  writeFileSync(join(tree, 'docs', 'cpp', 'copyright'), 'text\n');
  writeFileSync(join(tree, 'docs', 'empty'), '');
  // Like /usr/share/doc/g++ -> cpp: another name for a folder, visited once.
  symlinkSync(join(tree, 'docs', 'cpp'), join(tree, 'docs', 'gpp'));
  symlinkSync(tree, join(tree, 'docs', 'cpp', 'up'));
  const found = await entries(tree);
  const byKind = (kind: WalkEntry['kind']) => found.filter((e) => e.kind === kind);
  assert.deepEqual(
    byKind('file').map((e) => e.path),
    [join(tree, 'docs', 'cpp', 'copyright')],
  );
  const errors = byKind('error') as Extract<WalkEntry, { kind: 'error' }>[];
  assert.deepEqual(
    errors.map((e) => e.path),
    [join(tree, 'docs', 'cpp', 'up'), join(tree, 'docs', 'empty')],
  );
  assert.match(errors[0]!.error, /symlink loop/);
  const skipped = byKind('skipped') as Extract<WalkEntry, { kind: 'skipped' }>[];
  assert.deepEqual(
    skipped.map((e) => e.path),
    [join(tree, 'docs', 'gpp')],
  );
  assert.match(skipped[0]!.reason, /already went through/);
});
