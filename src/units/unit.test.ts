import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import * as dagCbor from '@ipld/dag-cbor';
import { contentCid } from '../core/cid.js';
import { IntegrityError, InvalidInputError } from '../core/errors.js';
import { assertUnitCid, encodeUnit, normaliseTags, unitCid } from './unit.js';
import type { Unit } from './unit.js';
import { documentId } from './document-id.js';
import { detectMediaType } from './media-type.js';
import { tokenProblem } from '../core/subjects.js';

const content = contentCid(new TextEncoder().encode('hello\n')).toString();
const unit: Unit = {
  content,
  mediaType: 'text/plain',
  size: 6,
  name: 'hello.txt',
  source: 'file:///tmp/hello.txt',
  createdAt: '2026-11-22T10:00:00.000Z',
  tags: ['b', 'a', 'a', ' '],
  context: null,
  derivedFrom: [],
  producedBy: null,
  previous: null,
};

test('a unit is DAG-CBOR whose CID is CIDv1 dag-cbor sha2-256 (bafyrei…), with the content as a link', () => {
  const bytes = encodeUnit(unit);
  const decoded = dagCbor.decode(bytes) as { content: CID; tags: string[] };
  assert.equal(decoded.content.toString(), content);
  assert.deepEqual(decoded.tags, ['a', 'b']);
  const digest = createHash('sha256').update(bytes).digest();
  const expected = CID.decode(
    Buffer.concat([Buffer.from([0x01, 0x71, 0x12, 0x20]), digest]),
  ).toString();
  assert.equal(unitCid(unit), expected);
  assert.ok(expected.startsWith('bafyrei'));
});

test('equal tag sets give equal CIDs; any change gives another', () => {
  assert.equal(unitCid(unit), unitCid({ ...unit, tags: ['a', 'b'] }));
  assert.notEqual(unitCid(unit), unitCid({ ...unit, tags: ['a'] }));
  assert.deepEqual(normaliseTags([' x ', 'x', '', 'a']), ['a', 'x']);
});

test('a unit whose record was altered fails its CID check; bad links are refused', () => {
  const cid = unitCid(unit);
  assert.doesNotThrow(() => assertUnitCid(unit, cid));
  assert.throws(() => assertUnitCid({ ...unit, name: 'other.txt' }, cid), IntegrityError);
  assert.throws(() => encodeUnit({ ...unit, previous: 'nope' }), InvalidInputError);
});

test('document ids are stable subject tokens per logical key', () => {
  const id = documentId('file:///notes/plan.md');
  assert.equal(id, documentId('file:///notes/plan.md'));
  assert.notEqual(id, documentId('file:///notes/other.md'));
  assert.equal(tokenProblem(id), undefined);
});

test('media types come from magic bytes, then the name, then a text check', async () => {
  const png = Buffer.from(
    '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f6e0a50000000049454e44ae426082',
    'hex',
  );
  assert.equal(await detectMediaType(png, 'picture.txt'), 'image/png');
  assert.equal(await detectMediaType(Buffer.from('# Title\n'), 'README.md'), 'text/markdown');
  assert.equal(await detectMediaType(Buffer.from('plain words\n'), 'NOTES'), 'text/plain');
  assert.equal(
    await detectMediaType(Buffer.from([0, 1, 2, 3, 255]), 'blob'),
    'application/octet-stream',
  );
  assert.equal(await detectMediaType(Buffer.alloc(0), 'empty'), 'application/octet-stream');
});

test('plain-text licence files are text/plain, whatever their name, and man pages stay troff', async () => {
  const mit = Buffer.from(
    'MIT License\n\nCopyright (c) 2026 CIM\n\nPermission is hereby granted...\n',
  );
  const lgpl = Buffer.from(
    '                  GNU LESSER GENERAL PUBLIC LICENSE\n                       Version 2.1, February 1999\n',
  );
  for (const [bytes, name] of [
    [mit, 'LICENSE'],
    [mit, 'LICENCE'],
    [lgpl, 'COPYING'],
    [lgpl, 'LGPL-2.1'],
    [lgpl, 'COPYING.LESSER'],
    [mit, 'MPL-1.1'],
    [mit, 'LICENSE-2.1'],
  ] as const) {
    assert.equal(await detectMediaType(bytes, name), 'text/plain', name);
  }
  const man = Buffer.from('.TH CIM 1 "December 2026"\n.SH NAME\ncim \\- information machine\n');
  assert.equal(await detectMediaType(man, 'cim.1'), 'text/troff');
  const commented = Buffer.from('.\\" Manual page for cim\n.TH CIM 1\n');
  assert.equal(await detectMediaType(commented, 'cim.1'), 'text/troff');
});
