import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { CatalogUnit } from './catalog.js';
import { CatalogReader } from './catalog-reader.js';
import { CatalogWriter } from './catalog-writer.js';

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
    const catalog = CatalogWriter.open(join(root, `order-${order.join('')}.sqlite`));
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
  const catalog = CatalogWriter.open(path);
  const checkpoint = catalog.db.prepare('SELECT * FROM checkpoints').all();
  assert.deepEqual(checkpoint, []);
  catalog.addUnit(unit(1), 'the old walrus');
  assert.equal(catalog.search('walrus', 10).length, 1);
  catalog.close();
});

test('grouped commits: writes are visible at once to the catalog, to others after the commit, and close commits', async () => {
  const path = join(root, 'grouped.sqlite');
  const catalog = CatalogWriter.open(path);
  const errors: unknown[] = [];
  catalog.groupCommits(30, (err) => errors.push(err));
  const other = new Database(path, { readonly: true });
  const othersSee = () =>
    (other.prepare('SELECT COUNT(*) AS n FROM units').get() as { n: number }).n;
  catalog.addUnit(unit(1), 'the old walrus');
  assert.equal(catalog.search('walrus', 10).length, 1, 'visible to the catalog at once');
  assert.equal(othersSee(), 0, 'not committed yet');
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.equal(othersSee(), 1, 'committed after the group interval');
  catalog.addUnit(unit(2), 'the new zebra');
  catalog.close();
  assert.equal(othersSee(), 2, 'close commits what is pending');
  other.close();
  assert.deepEqual(errors, []);
});

test('inside a group, a unit record missing a field is refused before any row is written; the group keeps the others', () => {
  const path = join(root, 'grouped.sqlite');
  const catalog = CatalogWriter.open(path);
  const failures: unknown[] = [];
  catalog.groupCommits(60_000, (err) => failures.push(err));
  catalog.addUnit(unit(1, { unitCid: 'bafygood1', documentId: 'd1' }), 'first words');
  const broken = { ...unit(1, { unitCid: 'bafybroken', documentId: 'd2' }), name: undefined };
  assert.throws(
    // @ts-expect-error -- the record is broken on purpose: the catalog must refuse it at run time.
    () => catalog.addUnit(broken, 'never'),
    /The unit bafybroken has no valid name/,
  );
  catalog.addUnit(unit(1, { unitCid: 'bafygood2', documentId: 'd3' }), 'second words');
  catalog.commit();
  assert.deepEqual(failures, []);
  const reader = CatalogReader.open(path);
  assert.ok(reader.get('bafygood1'));
  assert.ok(reader.get('bafygood2'));
  assert.equal(reader.get('bafybroken'), undefined);
  assert.equal(reader.search('words', 10).length, 2);
  reader.close();
  catalog.close();
});

test('the read-only connection sees only committed writes and cannot write', () => {
  const path = join(root, 'reader.sqlite');
  const writer = CatalogWriter.open(path);
  writer.groupCommits(60_000, () => undefined);
  const reader = CatalogReader.open(path);
  writer.addUnit(unit(1, { unitCid: 'bafyseen', documentId: 'dr' }), 'text');
  assert.equal(reader.get('bafyseen'), undefined, 'not visible before the commit');
  writer.commit();
  assert.ok(reader.get('bafyseen'), 'visible after the commit');
  assert.equal('addUnit' in reader, false, 'a reader has no write methods');
  assert.throws(() => reader.db.exec('DELETE FROM units'), /readonly/);
  reader.close();
  writer.close();
});

test('a hit marks its matches in brackets for terminals and as pieces for highlighting, brackets in the text left alone', () => {
  const catalog = CatalogWriter.open(join(root, 'highlights.sqlite'));
  catalog.addUnit(unit(1), 'see [1] the walrus sleeps; the walrus wakes');
  const [hit] = catalog.search('walrus', 10);
  assert.ok(hit);
  assert.equal(hit.snippet, 'see [1] the [walrus] sleeps; the [walrus] wakes');
  assert.deepEqual(hit.highlights, [
    { text: 'see [1] the ', match: false },
    { text: 'walrus', match: true },
    { text: ' sleeps; the ', match: false },
    { text: 'walrus', match: true },
    { text: ' wakes', match: false },
  ]);
  catalog.close();
});
