import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isMediaGlob,
  matchesAnyMediaGlob,
  matchesMediaGlob,
  mediaTypeEssence,
} from './media-glob.js';

test('media type globs match by type and subtype, ignoring case and parameters', () => {
  assert.equal(matchesMediaGlob('text/*', 'text/plain; charset=utf-8'), true);
  assert.equal(matchesMediaGlob('text/*', 'Text/HTML'), true);
  assert.equal(matchesMediaGlob('*/*', 'image/png'), true);
  assert.equal(matchesMediaGlob('application/pdf', 'Application/PDF'), true);
  assert.equal(matchesMediaGlob('text/*', 'image/png'), false);
  assert.equal(matchesMediaGlob('text/plain', 'text/html'), false);
  assert.equal(matchesAnyMediaGlob(undefined, 'anything/at-all'), true);
  assert.equal(matchesAnyMediaGlob(['image/*', 'application/pdf'], 'application/pdf'), true);
  assert.equal(matchesAnyMediaGlob([], 'text/plain'), false);
});

test('a * inside a subtype matches a run of characters: application/*+json', () => {
  assert.equal(isMediaGlob('application/*+json'), true);
  assert.equal(matchesMediaGlob('application/*+json', 'application/ld+json'), true);
  assert.equal(matchesMediaGlob('application/*+json', 'application/vnd.api+json; x=1'), true);
  assert.equal(matchesMediaGlob('application/*+json', 'application/json'), false);
  assert.equal(matchesMediaGlob('application/*+json', 'text/ld+json'), false);
  assert.equal(matchesMediaGlob('application/vnd.ms-*', 'application/vnd.ms-excel'), true);
  // The dot and the plus are literal, not RegExp syntax.
  assert.equal(matchesMediaGlob('application/vnd.ms-*', 'application/vndxms-excel'), false);
  assert.equal(matchesMediaGlob('text/x+y', 'text/xxy'), false);
});

test('a * never spans the slash, and a media type without one matches nothing', () => {
  assert.equal(matchesMediaGlob('text/*', 'text/plain/x'), false);
  assert.equal(matchesMediaGlob('*/*', 'plain'), false);
  assert.equal(matchesMediaGlob('*/*', 'text/'), false);
});

test('only */*, type/* and type/subtype-with-stars are globs', () => {
  assert.equal(isMediaGlob('text/*'), true);
  assert.equal(isMediaGlob('*/*'), true);
  assert.equal(isMediaGlob('application/vnd.ms-excel'), true);
  assert.equal(isMediaGlob('*/plain'), false);
  assert.equal(isMediaGlob('te*/plain'), false);
  assert.equal(isMediaGlob('*'), false);
  assert.equal(isMediaGlob('text'), false);
  assert.equal(isMediaGlob('text/plain/x'), false);
  assert.equal(isMediaGlob('text/plain; charset=utf-8'), false);
  assert.equal(matchesMediaGlob('*/plain', 'text/plain'), false);
});

test('the essence of a media type drops parameters and case', () => {
  assert.equal(mediaTypeEssence(' Text/Plain ; charset=UTF-8'), 'text/plain');
});
