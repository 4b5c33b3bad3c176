import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CIM_BIN } from '../testing/cli.js';

const root = mkdtempSync(join(tmpdir(), 'cim-logger-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Runs `cim up ARGS` until it says it is ready, stops it, and returns what it wrote to stderr. */
async function logOfUp(args: string[], env: NodeJS.ProcessEnv, data: string): Promise<string> {
  const child = spawn(
    process.execPath,
    [CIM_BIN, 'up', '--http', '127.0.0.1:0', '--data', join(root, data), ...args],
    {
      env: { ...process.env, NATS_URL: '', CIM_CONFIG: '', CIM_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready: ${stderr}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/"status":"ready"|CIM is up/.test(stdout)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => reject(new Error(`cim up exited (${code}): ${stderr}`)));
  });
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  return stderr;
}

test('cim up --json logs one JSON object a line', async () => {
  const log = await logOfUp(['--json'], { CIM_LOG_FORMAT: 'pretty' }, 'json');
  const lines = log.split('\n').filter((line) => line !== '');
  assert.ok(lines.length > 0, 'it logged');
  for (const line of lines) {
    const record = JSON.parse(line) as { level: number; msg: string; name: string };
    assert.equal(typeof record.msg, 'string', line);
    assert.equal(typeof record.level, 'number', line);
  }
  assert.ok(lines.some((line) => JSON.parse(line).msg === 'stopping'));
});

test('cim up with the readable format logs lines a person reads, through pino-pretty', async () => {
  const log = await logOfUp([], { CIM_LOG_FORMAT: 'pretty' }, 'pretty');
  const lines = log.split('\n').filter((line) => line.trim() !== '');
  assert.ok(lines.length > 0, 'it logged');
  assert.ok(
    lines.every((line) => !line.startsWith('{')),
    `no JSON line:\n${log}`,
  );
  assert.ok(
    lines.some((line) => /INFO.*\(cim\/\d+\).*stopping/.test(line)),
    log,
  );
});
