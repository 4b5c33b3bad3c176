import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptsMediaType, isMediaGlob, matchesMediaGlob } from './media-glob.js';

test('media type globs match by type and subtype, ignoring case and parameters', () => {
  assert.equal(matchesMediaGlob('text/*', 'text/plain; charset=utf-8'), true);
  assert.equal(matchesMediaGlob('*/*', 'image/png'), true);
  assert.equal(matchesMediaGlob('application/pdf', 'Application/PDF'), true);
  assert.equal(matchesMediaGlob('text/*', 'image/png'), false);
  assert.equal(matchesMediaGlob('text/plain', 'text/html'), false);
  assert.equal(acceptsMediaType(undefined, 'anything/at-all'), true);
  assert.equal(acceptsMediaType(['image/*', 'application/pdf'], 'application/pdf'), true);
  assert.equal(acceptsMediaType([], 'text/plain'), false);
});

test('only type/subtype, type/* and */* are globs', () => {
  assert.equal(isMediaGlob('text/*'), true);
  assert.equal(isMediaGlob('application/vnd.ms-excel'), true);
  assert.equal(isMediaGlob('*/plain'), false);
  assert.equal(isMediaGlob('text'), false);
  assert.equal(isMediaGlob('text/plain/x'), false);
});
