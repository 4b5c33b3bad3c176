import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectorContract, openSession, type ConnectorFixture } from '../../connector.contract.js';
import { RecordingSink } from '../../recording-sink.js';
import type { ConnectorJson, ConnectorSession } from '../../../plugins/plugin-api.js';
import { git } from './git-cli.js';
import { gitConnector } from './git-connector.js';

const AUTHOR = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
};

function gitIn(dir: string, args: string[], input?: string): string {
  return execFileSync('git', ['-C', dir, ...args], {
    env: { ...process.env, ...AUTHOR },
    encoding: 'utf8',
    ...(input === undefined ? {} : { input }),
  });
}

function newRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cim-git-source-'));
  gitIn(dir, ['init', '--quiet', '-b', 'main']);
  return dir;
}

function commitFile(dir: string, path: string, body: string, message = `write ${path}`): void {
  writeFileSync(join(dir, path), body);
  gitIn(dir, ['add', '--', path]);
  gitIn(dir, ['commit', '--quiet', '-m', message]);
}

/** The blob id git gives these bytes, so the test can compare what was taken with git's own count. */
function blobId(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

connectorContract('git', async () => {
  const dir = newRepository();
  return {
    definition: gitConnector,
    settings: { repository: dir },
    async add(label, body) {
      commitFile(dir, `${label}.txt`, body);
      return `git+${dir}#main:${label}.txt`;
    },
    async change(source, body) {
      commitFile(dir, source.slice(source.lastIndexOf(':') + 1), body);
    },
    async close() {
      rmSync(dir, { recursive: true, force: true });
    },
  } satisfies ConnectorFixture;
});

describe('git connector', () => {
  const cleanup: string[] = [];
  const sessions: ConnectorSession[] = [];
  const stop = new AbortController();
  after(async () => {
    stop.abort();
    for (const s of sessions) await s.close?.();
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  });

  function context() {
    const quiet = () => undefined;
    return {
      name: 'git',
      logger: { info: quiet, warn: quiet, error: quiet },
      signal: stop.signal,
      tempDir: tmpdir(),
      secret: () => Promise.reject(new Error('no secrets')),
    };
  }

  function open(settings: Record<string, unknown>): ConnectorSession {
    const tempDir = mkdtempSync(join(tmpdir(), 'cim-git-connector-'));
    cleanup.push(tempDir);
    const fixture: ConnectorFixture = {
      definition: gitConnector,
      settings,
      add: () => Promise.reject(new Error('not used')),
      change: () => Promise.reject(new Error('not used')),
      close: async () => undefined,
    };
    const session = openSession(fixture, stop.signal, tempDir);
    sessions.push(session);
    return session;
  }

  test('an option given as the repository or branch is refused before git runs', async () => {
    const marker = join(tmpdir(), `cim-git-injected-${process.pid}`);
    const injected = gitConnector.checkSettings({ repository: `--upload-pack=touch ${marker}` });
    assert.equal(injected.ok, false);
    assert.match(
      !injected.ok ? injected.error : '',
      /^settings\.repository: must not start with '-'/,
    );
    const branch = gitConnector.checkSettings({ repository: '/tmp/x', branch: '--output=/tmp/y' });
    assert.match(!branch.ok ? branch.error : '', /^settings\.branch: must not start with '-'/);
    const ext = gitConnector.checkSettings({ repository: `ext::sh -c touch% ${marker}` });
    assert.match(
      !ext.ok ? ext.error : '',
      /^settings\.repository: must not use the ext:: transport/,
    );
    const password = gitConnector.checkSettings({
      repository: 'https://me:hunter2@example.com/r.git',
    });
    assert.match(!password.ok ? password.error : '', /must not contain a password/);
    assert.doesNotMatch(!password.ok ? password.error : '', /hunter2/);

    assert.throws(
      () => gitConnector.open({ repository: `--upload-pack=touch ${marker}` }, context()),
      /must not start with '-'/,
      'a session refuses it too',
    );
    // Even past the settings check, git itself refuses the ext transport (protocol.ext.allow=never).
    const dest = mkdtempSync(join(tmpdir(), 'cim-git-connector-'));
    cleanup.push(dest);
    await assert.rejects(
      git(['clone', '--mirror', '--', `ext::sh -c touch% ${marker}`, join(dest, 'm.git')]),
      /transport 'ext' not allowed/,
    );
    assert.equal(existsSync(marker), false, 'no command ran');
  });

  test('a repository of 200 commits followed from its first commit stores every file version', async (t) => {
    const dir = newRepository();
    cleanup.push(dir);
    // One fast-import stream makes the 200 commits in one git process: 20 files, each commit
    // rewrites three of them and deletes one now and then.
    let stream = '';
    for (let c = 1; c <= 200; c++) {
      stream += `commit refs/heads/main\ncommitter Test <test@example.invalid> ${1_700_000_000 + c} +0000\n`;
      stream += `data ${`commit ${c}`.length}\ncommit ${c}\n`;
      for (const f of [c % 20, (c * 7) % 20, (c * 13) % 20]) {
        const body = `file ${f} at commit ${c}\n`;
        stream += `M 100644 inline docs/f${f}.txt\ndata ${body.length}\n${body}\n`;
      }
      if (c % 25 === 0) stream += `D docs/f${(c + 1) % 20}.txt\n`;
    }
    gitIn(dir, ['fast-import', '--quiet'], stream);
    assert.equal(gitIn(dir, ['rev-list', '--count', 'main']).trim(), '200');
    // git's own list of every file version: each (path, blob) a commit added or changed.
    const expected = new Set<string>();
    const deletions = new Set<string>();
    for (const line of gitIn(dir, [
      'log',
      '--raw',
      '--no-renames',
      '--format=',
      '--no-abbrev',
      'main',
    ]).split('\n')) {
      const m = /^:\d+ \d+ [0-9a-f]+ ([0-9a-f]+) ([AMD])\t(.+)$/.exec(line);
      if (!m) continue;
      if (m[2] === 'D') deletions.add(m[3]!);
      else expected.add(`${m[3]} ${m[1]}`);
    }

    const session = open({ repository: dir });
    const sink = new RecordingSink();
    const started = Date.now();
    const cursor = await session.poll(null, sink);
    t.diagnostic(`200 commits, ${sink.items.length} file versions in ${Date.now() - started} ms`);
    const prefix = `git+${dir}#main:`;
    const taken = new Set(
      sink.items.map((i) => `${i.source.slice(prefix.length)} ${blobId(i.bytes)}`),
    );
    assert.deepEqual([...taken].sort(), [...expected].sort());
    assert.equal(sink.items.length, expected.size, 'each version once');
    assert.deepEqual(new Set(sink.removals.map((s) => s.slice(prefix.length))), deletions);
    assert.equal(sink.checkpoints.length, 200, 'one checkpoint per commit');
    assert.deepEqual(cursor, { version: 1, head: gitIn(dir, ['rev-parse', 'main']).trim() });
    assert.equal(sink.items.at(-1)?.name.endsWith('.txt'), true);
  });

  test('a force-push is recorded with the old and new head, and nothing stored is lost', async () => {
    const dir = newRepository();
    cleanup.push(dir);
    commitFile(dir, 'a.txt', 'a one\n');
    const base = gitIn(dir, ['rev-parse', 'HEAD']).trim();
    commitFile(dir, 'b.txt', 'b only on the abandoned line\n');
    commitFile(dir, 'a.txt', 'a two, abandoned\n');
    const abandoned = gitIn(dir, ['rev-parse', 'HEAD']).trim();

    const session = open({ repository: dir, branch: 'main' });
    const sink = new RecordingSink();
    let cursor: ConnectorJson = await session.poll(null, sink);
    assert.deepEqual(cursor, { version: 1, head: abandoned });
    const before = sink.items.length;

    gitIn(dir, ['reset', '--quiet', '--hard', base]);
    commitFile(dir, 'c.txt', 'c on the new line\n');
    const newHead = gitIn(dir, ['rev-parse', 'HEAD']).trim();
    cursor = await session.poll(cursor, sink);
    assert.deepEqual(cursor, { version: 1, head: newHead, previousHead: abandoned, forced: true });
    assert.deepEqual(sink.checkpoints.at(-1), cursor, 'the checkpoint records the force-push');
    const src = (p: string) => `git+${dir}#main:${p}`;
    assert.deepEqual(
      sink.removals,
      [src('b.txt')],
      'a file only the abandoned line had is removed, not erased',
    );
    const after = sink.items.slice(before).map((i) => [i.source, i.bytes.toString(), i.outcome]);
    assert.deepEqual(after, [
      [src('a.txt'), 'a one\n', 'linked'],
      [src('c.txt'), 'c on the new line\n', 'stored'],
    ]);
    assert.equal(sink.items.length, before + 2, 'what was stored before is all still recorded');
    sink.clear();
    cursor = await session.poll(cursor, sink);
    assert.deepEqual(cursor, { version: 1, head: newHead });
    assert.deepEqual(sink.items, []);
  });

  test('paths globs choose the files, and an unknown branch fails with one sentence', async () => {
    const dir = newRepository();
    cleanup.push(dir);
    commitFile(dir, 'keep.md', 'kept\n');
    commitFile(dir, 'skip.bin', 'skipped\n');
    const sink = new RecordingSink();
    await open({ repository: dir, paths: ['**/*.md'] }).poll(null, sink);
    assert.deepEqual(
      sink.items.map((i) => i.name),
      ['keep.md'],
    );
    await assert.rejects(
      open({ repository: dir, branch: 'nope' }).poll(null, new RecordingSink()),
      /^Error: The branch nope does not exist in the git repository .*: correct settings\.branch\.$/,
    );
  });
});
