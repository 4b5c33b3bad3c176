import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderNatsConfig } from './nats-config.js';
import { EXAMPLE_TOPOLOGIES } from './nats-topologies.js';
import { nixEval, nixInstantiate } from '../testing/nix.js';
import { COMPONENTS } from '../core/components.js';
import { findNatsServer } from '../nats/server-binary.js';
import { authLayout, initNatsAuth } from '../nats/auth/nats-auth.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NATS_CONFIG_NIX = join(ROOT, 'nix/lib/nats-config.nix');
function nixFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory())
      return name === 'node_modules' || name.startsWith('.') || name === 'dist'
        ? []
        : nixFiles(path);
    return name.endsWith('.nix') ? [path] : [];
  });
}

test('every .nix file of the project parses', () => {
  const files = nixFiles(ROOT);
  assert.ok(files.includes(NATS_CONFIG_NIX), 'the NATS config function is among them');
  for (const file of files) nixInstantiate(['--parse', file]);
});

test('the Nix NATS renderer and the TypeScript one give the same file for every example topology', () => {
  for (const [name, topology] of Object.entries(EXAMPLE_TOPOLOGIES)) {
    const expr = `import ${NATS_CONFIG_NIX} (builtins.fromJSON ${JSON.stringify(JSON.stringify(topology))})`;
    const fromNix = nixEval<string>(expr);
    assert.equal(fromNix, renderNatsConfig(topology), name);
  }
});

test('nats-server accepts every rendered example configuration', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cim-nats-conf-'));
  try {
    // The server loads TLS files while checking: a throwaway self-signed pair stands in.
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=cim-test',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'pipe' },
    );
    const auth = authLayout(join(dir, 'nats-auth'));
    await initNatsAuth(auth.dir);
    const pair = { certFile, keyFile };
    for (const [name, example] of Object.entries(EXAMPLE_TOPOLOGIES)) {
      const topology = {
        ...example,
        ...(example.tls ? { tls: pair } : {}),
        ...(example.leafTls ? { leafTls: pair } : {}),
        ...(example.cluster?.tls
          ? { cluster: { ...example.cluster, tls: { ...pair, caFile: certFile } } }
          : {}),
        ...(example.leafRemotes
          ? {
              leafRemotes: example.leafRemotes.map((r) =>
                r.caFile === undefined ? r : { ...r, caFile: certFile },
              ),
            }
          : {}),
        ...(example.auth
          ? {
              auth: {
                operatorFile: auth.operatorJwt,
                systemAccount: readFileSync(auth.systemAccount, 'utf8').trim(),
                accountsDir: auth.accountsDir,
              },
            }
          : {}),
      };
      const file = join(dir, `${name}.conf`);
      writeFileSync(file, renderNatsConfig(topology));
      // -t: check the configuration and exit, without starting the server.
      execFileSync(findNatsServer().path, ['-t', '-c', file], {
        stdio: 'pipe',
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Nix modules know the same components as cim', () => {
  assert.deepEqual(nixEval<string[]>(`import ${join(ROOT, 'nix/lib/components.nix')}`), [
    ...COMPONENTS,
  ]);
});
