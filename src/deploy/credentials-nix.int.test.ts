import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nixEval } from '../testing/nix.js';
import { configSchema } from '../core/config.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CREDENTIALS_NIX = join(ROOT, 'nix/lib/credentials.nix');

interface Rendered {
  settings: Record<string, unknown>;
  loadCredential: Record<string, string[]>;
  paths: Record<string, string[]>;
  problems: string[];
}

/** nix/lib/credentials.nix applied to `input` (JSON, so any value the test builds). */
function credentialsOf(input: unknown): Rendered {
  return nixEval<Rendered>(
    `import ${CREDENTIALS_NIX} (builtins.fromJSON ${JSON.stringify(JSON.stringify(input))})`,
  );
}

test('each component gets its own NATS user, the shared files and the first admin, and the ui alone its HTTPS pair; the settings name files in the credentials directory', () => {
  const out = credentialsOf({
    components: ['events', 'ui'],
    natsCredentialsFiles: { events: '/run/agenix/events.creds', ui: '/run/agenix/ui.creds' },
    natsTls: { caFile: '/etc/cim/ca.pem', certFile: null, keyFile: null },
    httpTls: { certFile: '/run/agenix/http.pem', keyFile: '/run/agenix/http.key' },
    adminCredentialsFile: '/run/agenix/first-admin',
    credentialFiles: { 'warm-secret-access-key': '/run/agenix/warm' },
  });
  assert.deepEqual(out.problems, []);
  assert.deepEqual(out.loadCredential, {
    events: [
      'warm-secret-access-key:/run/agenix/warm',
      'first-admin:/run/agenix/first-admin',
      'nats-ca.pem:/etc/cim/ca.pem',
      'nats.creds:/run/agenix/events.creds',
    ],
    ui: [
      'warm-secret-access-key:/run/agenix/warm',
      'first-admin:/run/agenix/first-admin',
      'nats-ca.pem:/etc/cim/ca.pem',
      'nats.creds:/run/agenix/ui.creds',
      'http-cert.pem:/run/agenix/http.pem',
      'http-key.pem:/run/agenix/http.key',
    ],
  });
  assert.deepEqual(out.paths['events'], [
    '/run/agenix/warm',
    '/run/agenix/first-admin',
    '/etc/cim/ca.pem',
    '/run/agenix/events.creds',
  ]);
  assert.deepEqual(out.settings, {
    nats: { credentials: 'nats.creds', tls: { ca: 'nats-ca.pem' } },
    http: { tls: { cert: 'http-cert.pem', key: 'http-key.pem' } },
    auth: { adminCredentialsFile: 'first-admin' },
  });
});

test('nothing configured: no settings, no credentials', () => {
  const out = credentialsOf({ components: ['events', 'units'] });
  assert.deepEqual(out, {
    settings: {},
    loadCredential: { events: [], units: [] },
    paths: { events: [], units: [] },
    problems: [],
  });
});

test('store paths, relative paths, a partial set of NATS users, half a client pair and CIM’s own names are each refused with one sentence', () => {
  const { problems } = credentialsOf({
    components: ['events', 'units'],
    natsCredentialsFiles: { events: '/nix/store/abc-events.creds', pipeline: 'pipeline.creds' },
    natsTls: { certFile: '/etc/cim/client.pem' },
    httpTls: { certFile: '/etc/cim/http.pem', keyFile: '/run/agenix/http.key' },
    credentialFiles: { 'nats.creds': '/run/agenix/x' },
  });
  const expected = [
    /components\.events\.natsCredentialsFile: a secret must not be in the Nix store/,
    /components\.pipeline\.natsCredentialsFile: give the absolute path .* not pipeline\.creds\./,
    /components\.pipeline\.natsCredentialsFile is set, but the pipeline component is not enabled/,
    /give every enabled component its natsCredentialsFile, or none .* missing: units\./,
    /nats\.tls: certFile and keyFile go together/,
    /http\.tls is for the ui component, which is not enabled here/,
    /credentialFiles\.nats\.creds: the name nats\.creds is CIM's own/,
  ];
  assert.equal(problems.length, expected.length, problems.join('\n'));
  expected.forEach((re, i) => assert.match(problems[i]!, re));
});

test('the nats and http settings the Nix function renders are accepted by the config schema', () => {
  const { settings } = credentialsOf({
    components: ['events'],
    natsCredentialsFiles: { events: '/run/agenix/events.creds' },
    natsTls: {
      caFile: '/run/keys/ca.pem',
      certFile: '/run/keys/c.pem',
      keyFile: '/run/keys/c.key',
    },
    httpTls: { certFile: '/run/keys/h.pem', keyFile: '/run/keys/h.key' },
  });
  const checked = configSchema.partial().safeParse({ dataDir: '/var/lib/cim', ...settings });
  assert.ok(checked.success, JSON.stringify(checked.error?.issues));
});
