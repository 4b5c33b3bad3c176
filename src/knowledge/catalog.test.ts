import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { CatalogUnit } from './catalog.js';
import { Catalog } from './catalog.js';

const root = mkdtempSync(join(tmpdir(), 'cim-catalog-'));
after(() => rmSync(root, { recursive: true, force: true }));

function unit(version: number, overrides: Partial<CatalogUnit> = {}): CatalogUnit {
  return {
    unitCid: `bafyunit${version}`,
    documentId: 'doc1',
    version,
    position: version * 10,
    latest: true,
    content: `bafkcontent${version}`,
    mediaType: 'text/plain',
    size: 10,
    name: 'plan.txt',
    source: 'file:///plan.txt',
    createdAt: '2026-11-23T00:00:00.000Z',
    tags: [],
    context: null,
    derivedFrom: [],
    producedBy: null,
    previous: version > 1 ? `bafyunit${version - 1}` : null,
    ...overrides,
  };
}

test('a new version replaces the old one in search, in either order of arrival', () => {
  for (const order of [
    [1, 2],
    [2, 1],
  ]) {
    const catalog = new Catalog(join(root, `order-${order.join('')}.sqlite`));
    for (const v of order) catalog.addUnit(unit(v), v === 1 ? 'the old walrus' : 'the new zebra');
    assert.deepEqual(
      catalog.search('zebra', 10).map((h) => h.unit.unitCid),
      ['bafyunit2'],
    );
    assert.deepEqual(catalog.search('walrus', 10), [], `order ${order.join(',')}`);
    assert.equal(catalog.addUnit(unit(2), 'the new zebra'), false, 'a replay changes nothing');
    catalog.close();
  }
});

test('a catalog of an older schema is dropped with its checkpoint, so it is rebuilt', () => {
  const path = join(root, 'old.sqlite');
  const old = new Database(path);
  old.exec(
    "CREATE TABLE checkpoints (projection TEXT PRIMARY KEY, position INTEGER NOT NULL); INSERT INTO checkpoints VALUES ('catalog', 42); CREATE TABLE units (unit_cid TEXT PRIMARY KEY);",
  );
  old.close();
  const catalog = new Catalog(path);
  const checkpoint = catalog.db.prepare('SELECT * FROM checkpoints').all();
  assert.deepEqual(checkpoint, []);
  catalog.addUnit(unit(1), 'the old walrus');
  assert.equal(catalog.search('walrus', 10).length, 1);
  catalog.close();
});
