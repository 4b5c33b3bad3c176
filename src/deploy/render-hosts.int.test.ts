import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as toYaml, parse as parseYaml } from 'yaml';
import { freePort } from '../nats/free-port.js';
import { ComponentRegistry } from '../registry/component-registry.js';
import { CIM_BIN, runCim } from '../testing/cli.js';
import { startTestNats } from '../testing/nats-harness.js';
import type { TestNats } from '../testing/nats-harness.js';
import { nixEval, nixInstantiate } from '../testing/nix.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLE = join(ROOT, 'examples/deploy/inventory.yaml');
const NATS_CONFIG_NIX = join(ROOT, 'nix/lib/nats-config.nix');

let root: string;
let nats: TestNats;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'cim-deploy-'));
  nats = await startTestNats();
});
after(async () => {
  await nats?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** `cim deploy render` of an inventory object into a fresh folder; the files it wrote. */
async function render(inventory: unknown, name: string): Promise<Map<string, string>> {
  const file = join(root, `${name}.yaml`);
  writeFileSync(file, toYaml(inventory));
  const out = join(root, name);
  const result = await runCim(['deploy', 'render', '--inventory', file, '--out', out, '--json']);
  assert.equal(result.code, 0, result.stderr);
  return new Map(readdirSync(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]));
}

test('rendered host files parse and evaluate in Nix; their NATS topology renders, by the Nix function, to the .nats.conf beside them', async () => {
  const files = await render(parseYaml(readFileSync(EXAMPLE, 'utf8')), 'example');
  assert.equal(files.size, 8);
  for (const host of ['hub-a', 'hub-b', 'hub-c', 'branch-1']) {
    const path = join(root, 'example', `${host}.nix`);
    nixInstantiate(['--parse', path]);
    const viaNix = nixEval<string>(
      `import ${NATS_CONFIG_NIX} ((import ${path} {}).cim.host.natsTopology)`,
    );
    assert.equal(viaNix, files.get(`${host}.nats.conf`), host);
  }
});

test('credentials reach the rendered files as paths only, never their content', async () => {
  const secrets = { id: 'AKIA-CIM-TEST-SECRET-ID', key: 'cim-test-secret-key-wJalrXUtnFEMI' };
  const idFile = join(root, 'warm-id');
  const keyFile = join(root, 'warm-key');
  writeFileSync(idFile, secrets.id);
  writeFileSync(keyFile, secrets.key);
  const inventory = parseYaml(readFileSync(EXAMPLE, 'utf8')) as {
    hosts: { credentials?: Record<string, string> }[];
  };
  inventory.hosts[0]!.credentials = {
    'warm-access-key-id': idFile,
    'warm-secret-access-key': keyFile,
  };
  const files = await render(inventory, 'secrets');
  const all = [...files.values()].join('\n');
  assert.ok(!all.includes(secrets.id) && !all.includes(secrets.key), 'no secret in any file');
  const profile = nixEval<{ credentialFiles: Record<string, string>; settings: unknown }>(
    `(import ${join(root, 'secrets', 'hub-a.nix')} {}).cim.host`,
  );
  assert.deepEqual(profile.credentialFiles, {
    'warm-access-key-id': idFile,
    'warm-secret-access-key': keyFile,
  });
  assert.deepEqual((profile.settings as { storage: { tiers: unknown } }).storage.tiers, {
    warm: {
      kind: 's3',
      endpoint: 'http://minio.lan:9000',
      bucket: 'cim',
      prefix: 'hub/',
      accessKeyIdFile: 'warm-access-key-id',
      secretAccessKeyFile: 'warm-secret-access-key',
    },
  });
});

test('cim serve accepts and applies the settings a rendered host file gives the module', async () => {
  const httpPort = await freePort();
  const natsPort = Number(new URL(nats.url).port);
  const inventory = {
    hosts: [
      {
        name: 'solo',
        address: '127.0.0.1',
        roles: ['hub'],
        components: ['ui'],
        http: { host: '127.0.0.1', port: httpPort },
        nats: { clientPort: natsPort, leafPort: await freePort() },
        settings: {
          dataDir: join(root, 'solo-data'),
          registry: { heartbeatSeconds: 2, ttlSeconds: 9 },
        },
      },
    ],
  };
  await render(inventory, 'solo');
  // The profile's settings, as JSON: what `cim` reads (in a cim.host container, the profile
  // replaces nats.url, http.host, http.port and dataDir with the container's own).
  const settings = nixEval<Record<string, unknown>>(
    `(import ${join(root, 'solo', 'solo.nix')} {}).cim.host.settings`,
  );
  const config = join(root, 'config.json');
  writeFileSync(config, JSON.stringify(settings));
  const child = spawn(
    process.execPath,
    [CIM_BIN, 'serve', '--component', 'ui', '--config', config, '--json'],
    {
      env: {
        ...process.env,
        NATS_URL: '',
        CIM_HTTP: '',
        CIM_DATA: '',
        CIM_CONFIG: '',
        CIM_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    const ready = await new Promise<{ ui: string; nats: string }>((resolve, reject) => {
      let out = '';
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n'))
          resolve(JSON.parse(out.split('\n')[0]!) as { ui: string; nats: string });
      });
      child.once('exit', (code) => reject(new Error(`cim serve exited ${code}: ${err}`)));
    });
    assert.equal(ready.ui, `http://127.0.0.1:${httpPort}`, 'the HTTP address of the settings');
    assert.equal(ready.nats, `nats://127.0.0.1:${natsPort}`, 'the NATS server of the settings');
    // The component registers itself with the ttl of the settings (no registry component runs
    // here to answer over HTTP: its record is read from the registry bucket directly).
    const registry = await ComponentRegistry.open(nats.nc);
    const ui = (await registry.list()).find((c) => c.name === 'ui');
    assert.equal(ui?.ttlSeconds, 9, 'the registry settings applied');
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

test('an invalid inventory is refused in one sentence and nothing is written', async () => {
  const inventory = parseYaml(readFileSync(EXAMPLE, 'utf8')) as { hosts: { name: string }[] };
  inventory.hosts[3]!.name = 'hub-a';
  const file = join(root, 'bad.yaml');
  writeFileSync(file, toYaml(inventory));
  const out = join(root, 'bad');
  const result = await runCim(['deploy', 'render', '--inventory', file, '--out', out]);
  assert.notEqual(result.code, 0);
  assert.equal(
    result.stderr.trim(),
    'cim: The inventory is invalid at host hub-a, field name: another host has the same name.',
  );
  assert.throws(() => readdirSync(out), /ENOENT/, 'no folder, no files');
});
