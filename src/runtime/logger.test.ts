import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseLogFormat } from './logger.js';

const terminal = { isTTY: true };
const pipe = {};

test('the log is readable on a terminal and JSON when piped, redirected or asked for', () => {
  assert.equal(chooseLogFormat({ json: false, stdout: terminal, stderr: terminal }), 'pretty');
  assert.equal(chooseLogFormat({ json: false, stdout: pipe, stderr: terminal }), 'json');
  assert.equal(chooseLogFormat({ json: false, stdout: terminal, stderr: pipe }), 'json');
  assert.equal(chooseLogFormat({ json: false, stdout: pipe, stderr: pipe }), 'json');
  assert.equal(chooseLogFormat({ json: true, stdout: terminal, stderr: terminal }), 'json');
});

test('a configured log.format wins over the terminal check, and --json over both', () => {
  const configured = (format: 'json' | 'pretty', json = false) =>
    chooseLogFormat({ json, configured: format, stdout: terminal, stderr: terminal });
  assert.equal(configured('json'), 'json');
  assert.equal(
    chooseLogFormat({ json: false, configured: 'pretty', stdout: pipe, stderr: pipe }),
    'pretty',
  );
  assert.equal(configured('pretty', true), 'json');
});
