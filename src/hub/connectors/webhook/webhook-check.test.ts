import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { bearerMatches, signatureMatches } from './webhook-check.js';
import { webhookConnector } from './webhook-connector.js';

const body = Buffer.from('{"action":"opened"}');
const sign = (secret: string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

test('a GitHub-style signature matches only under its secret and body', () => {
  assert.equal(signatureMatches('s3cret', body, sign('s3cret')), true);
  assert.equal(signatureMatches('s3cret', body, sign('other')), false);
  assert.equal(signatureMatches('s3cret', Buffer.from('{}'), sign('s3cret')), false);
  assert.equal(signatureMatches('s3cret', body, undefined), false);
  assert.equal(signatureMatches('s3cret', body, 'sha1=abcd'), false);
});

test('a bearer token matches only itself', () => {
  assert.equal(bearerMatches('tok', 'Bearer tok'), true);
  assert.equal(bearerMatches('tok', 'Bearer tok2'), false);
  assert.equal(bearerMatches('tok', 'tok'), false);
  assert.equal(bearerMatches('tok', undefined), false);
});

test('webhook settings need exactly one of secretFile or tokenFile', () => {
  assert.deepEqual(webhookConnector.checkSettings({ secretFile: 'hook.secret' }), {
    ok: true,
    settings: { secretFile: 'hook.secret', maxBytes: 10 * 1024 * 1024 },
  });
  const neither = webhookConnector.checkSettings({});
  assert.ok(!neither.ok && neither.error.startsWith('settings.secretFile:'));
  const both = webhookConnector.checkSettings({ secretFile: 'a', tokenFile: 'b' });
  assert.ok(!both.ok);
  const extra = webhookConnector.checkSettings({ tokenFile: 'a', url: 'x' });
  assert.ok(!extra.ok && extra.error.startsWith('settings.url:'));
});
