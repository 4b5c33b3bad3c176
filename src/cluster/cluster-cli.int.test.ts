import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { runCim } from '../testing/cli.js';
import { makeTestCertificates } from '../testing/test-ca.js';
import { findNatsServer } from '../nats/server-binary.js';
import { readManifest, runningPid, stopServer } from './local-servers.js';
import type { MemberStatus } from './member-status.js';

/** True while `pid` runs (a zombie left for a parent that does not reap it has stopped). */
function running(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const root = mkdtempSync(join(tmpdir(), 'cim-cluster-cli-'));
const dir = join(root, 'cluster');

/**
 * The last lines of each member's log, for a failure message: the folder holding the logs is
 * removed after the run, and one CI run's members never formed their meta group (cause unknown).
 */
function memberLogTails(lines = 40): string {
  return ['cim-1', 'cim-2', 'cim-3']
    .map((name) => {
      const file = join(dir, name, 'nats-server.log');
      const text = existsSync(file) ? readFileSync(file, 'utf8') : '(no log)';
      return `\n--- ${name}: last ${lines} lines of ${file}\n${text.split('\n').slice(-lines).join('\n')}`;
    })
    .join('');
}

after(async () => {
  // Whatever a failed assertion left running is stopped by the PIDs the members recorded.
  if (existsSync(join(dir, 'cluster.json')))
    await Promise.all(readManifest(dir).servers.map((s) => stopServer(s, { signal: 'SIGKILL' })));
  rmSync(root, { recursive: true, force: true });
});

test(
  'cim cluster refuses a nats-server older than 2.10.23 and writes nothing',
  { timeout: 60_000 },
  async () => {
    const result = await runCim(['cluster', 'init', '--dir', dir], {
      CIM_NATS_SERVER: '/usr/sbin/nats-server',
    });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /is nats-server 2\.9\.\d+, older than the 2\.10\.23 CIM needs/);
    assert.match(result.stderr, /lost acknowledged messages on a leader kill or a crash/);
    assert.equal(existsSync(dir), false);
  },
);

test('bad cluster flags get one sentence and exit code 2', { timeout: 60_000 }, async () => {
  for (const [flags, message] of [
    [['--nodes', '4'], /--nodes 4 is not a valid cluster size/],
    [['--nodes', 'three'], /--nodes three is not a number/],
    [['--port', '80'], /--port 80 is not a usable first client port/],
    [['--tls-cert', join(root, 'none.pem')], /--tls-cert and --tls-key go together/],
  ] as const) {
    const result = await runCim(['cluster', 'init', '--dir', dir, ...flags]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  }
  assert.equal(existsSync(dir), false);
  const none = await runCim(['cluster', 'up', '--dir', dir]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /holds no cluster .*cim cluster init/);
});

test(
  'cim cluster init, up, status and down run a 3-member cluster',
  { timeout: 90_000 },
  async () => {
    const init = await runCim(['cluster', 'init', '--nodes', '3', '--dir', dir, '--json']);
    assert.equal(init.code, 0, init.stderr);
    const written = JSON.parse(init.stdout) as { urls: string; servers: { configFile: string }[] };
    assert.equal(written.servers.length, 3);
    for (const s of written.servers) assert.ok(existsSync(s.configFile));
    const again = await runCim(['cluster', 'init', '--dir', dir]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already holds a cluster/);

    const up = await runCim(['cluster', 'up', '--dir', dir]);
    assert.equal(up.code, 0, `${up.stderr}${memberLogTails()}`);
    assert.equal(up.stdout.trim(), written.urls);

    const status = await runCim(['cluster', 'status', '--dir', dir, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const report = JSON.parse(status.stdout) as { healthy: boolean; members: MemberStatus[] };
    assert.equal(report.healthy, true);
    const names = report.members.map((m) => m.name);
    assert.deepEqual(names, ['cim-1', 'cim-2', 'cim-3']);
    for (const m of report.members) {
      assert.equal(typeof m.pid, 'number');
      assert.match(m.version ?? '', /^2\.(1\d|[2-9]\d)\./);
      assert.ok(names.includes(m.metaLeader ?? ''), `meta leader of ${m.name}: ${m.metaLeader}`);
    }
    const force = await runCim(['cluster', 'init', '--dir', dir, '--force']);
    assert.equal(force.code, 2);
    assert.match(force.stderr, /are running: run 'cim cluster down'/);

    const down = await runCim(['cluster', 'down', '--dir', dir, '--json']);
    assert.equal(down.code, 0, down.stderr);
    const stopped = JSON.parse(down.stdout) as { servers: { stopped: boolean; pid: number }[] };
    assert.deepEqual(
      stopped.servers.map((s) => s.stopped),
      [true, true, true],
    );
    for (const s of stopped.servers) assert.equal(running(s.pid), false, `pid ${s.pid} still runs`);

    const after = await runCim(['cluster', 'status', '--dir', dir]);
    assert.notEqual(after.code, 0);
    assert.match(after.stderr, /No member of cim runs/);

    const old = await runCim(['cluster', 'up', '--dir', dir], {
      CIM_NATS_SERVER: '/usr/sbin/nats-server',
    });
    assert.notEqual(old.code, 0);
    assert.match(old.stderr, /older than the 2\.10\.23 CIM needs/);
    assert.deepEqual(
      readManifest(dir).servers.map((s) => runningPid(s)),
      [undefined, undefined, undefined],
    );
  },
);

test(
  'a hub with TLS: leaf ports, domain hub and a tls block in every member',
  { timeout: 60_000 },
  async () => {
    const hubDir = join(root, 'hub');
    const cert = join(root, 'cert.pem');
    const key = join(root, 'key.pem');
    writeFileSync(cert, 'certificate\n');
    writeFileSync(key, 'key\n');
    const init = await runCim([
      'cluster',
      'init',
      '--dir',
      hubDir,
      '--hub',
      '--port',
      '14222',
      '--tls-cert',
      cert,
      '--tls-key',
      key,
      '--json',
    ]);
    assert.equal(init.code, 0, init.stderr);
    const written = JSON.parse(init.stdout) as {
      domain: string;
      urls: string;
      servers: { leafUrl: string; monitorUrl: string; configFile: string }[];
    };
    assert.equal(written.domain, 'hub');
    assert.equal(
      written.urls,
      'nats://127.0.0.1:14222,nats://127.0.0.1:14223,nats://127.0.0.1:14224',
    );
    assert.deepEqual(
      written.servers.map((s) => [s.leafUrl, s.monitorUrl]),
      [14222, 14223, 14224].map((p) => [
        `nats-leaf://127.0.0.1:${p + 3200}`,
        `http://127.0.0.1:${p + 4000}`,
      ]),
    );
    for (const s of written.servers) {
      const conf = readFileSync(s.configFile, 'utf8');
      assert.ok(conf.includes(`cert_file: "${cert}"`), conf);
      assert.match(conf, /domain: "hub"/);
      assert.match(conf, /leafnodes \{/);
    }
  },
);

test(
  'cim cluster init --auth --route-tls-*: every member requires NATS users and authenticates its routes by certificate, with paths only in its config',
  { timeout: 60_000 },
  async () => {
    const secured = join(root, 'secured');
    const pki = makeTestCertificates(mkdtempSync(join(root, 'pki-')));
    const init = await runCim([
      'cluster',
      'init',
      '--dir',
      secured,
      '--auth',
      '--route-tls-cert',
      pki.certFile,
      '--route-tls-key',
      pki.keyFile,
      '--route-tls-ca',
      pki.caFile,
      '--json',
    ]);
    assert.equal(init.code, 0, init.stderr);
    const { credentials, servers } = JSON.parse(init.stdout) as {
      credentials: string;
      servers: { configFile: string }[];
    };
    assert.ok(existsSync(join(credentials, 'node.creds')));
    for (const { configFile } of servers) {
      const text = readFileSync(configFile, 'utf8');
      assert.match(text, /^operator: ".*\/nats-auth\/operator\.jwt"$/m);
      assert.match(text, /^resolver \{\n {2}dir: ".*\/nats-auth\/accounts"\n {2}type: "full"\n\}/m);
      assert.match(
        text,
        /^ {2}tls \{\n {4}ca_file: .*\n {4}cert_file: .*\n {4}key_file: .*\n {4}verify: true\n/m,
      );
      // No seed, no JWT: a secret or a token never lands in a rendered configuration.
      assert.doesNotMatch(text, /S[OAU][A-Z2-7]{50,}|eyJ[A-Za-z0-9_-]{20,}/);
      execFileSync(findNatsServer().path, ['-t', '-c', configFile], { stdio: 'pipe' });
    }
    const half = await runCim([
      'cluster',
      'init',
      '--dir',
      join(root, 'half'),
      '--route-tls-cert',
      pki.certFile,
    ]);
    assert.equal(half.code, 2);
    assert.match(half.stderr, /--route-tls-cert, --route-tls-key and --route-tls-ca go together/);
  },
);
