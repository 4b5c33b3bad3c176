import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidConfigError } from '../core/errors.js';
import { assertNotRestoring, RESTORING_MARKER } from './restore-node.js';

test('a data folder holding an unfinished restore is refused, naming what to do', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cim-restoring-'));
  try {
    assertNotRestoring(dir);
    writeFileSync(join(dir, RESTORING_MARKER), 'cim restore …');
    assert.throws(
      () => assertNotRestoring(dir),
      (err: unknown) =>
        err instanceof InvalidConfigError && /did not finish: delete the folder/.test(err.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
