import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dovecotConfig } from './imap-server.js';

const base = { dir: '/tmp/x', port: 1143, uid: 1000, gid: 1000, rootless: undefined };

test('dovecot 2.3 gets 2.3 settings, its own folder for everything, and includes nothing', () => {
  const config = dovecotConfig({ ...base, version: '2.3.19.1 (9b53102964)' });
  assert.match(config, /^disable_plaintext_auth = no$/m);
  assert.match(config, /^mail_location = maildir:\/tmp\/x\/mail\/%u$/m);
  assert.match(config, /^base_dir = \/tmp\/x\/run$/m);
  assert.match(config, /^ssl = no$/m);
  assert.match(config, /port = 1143/);
  assert.doesNotMatch(config, /include|dovecot_config_version/);
});

test("dovecot 2.4 gets 2.4's syntax, its release as the config version first, and PLAIN allowed", () => {
  const config = dovecotConfig({
    ...base,
    version: '2.4.1-4 (7d8c0e5759)',
    rootless: { user: 'ci', group: 'ci' },
  });
  assert.match(config, /^dovecot_config_version = 2\.4\.1\ndovecot_storage_version = 2\.4\.1\n/);
  assert.match(config, /^auth_allow_cleartext = yes$/m);
  assert.match(config, /^auth_allow_weak_schemes = yes$/m);
  assert.match(config, /^passdb passwd-file \{$/m);
  assert.match(config, /^default_internal_group = ci$/m);
  assert.doesNotMatch(config, /include|disable_plaintext_auth|mail_location/);
});
