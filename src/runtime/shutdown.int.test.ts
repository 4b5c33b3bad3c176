import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCimUp } from '../testing/cli.js';
import { alive } from '../testing/processes.js';

const root = mkdtempSync(join(tmpdir(), 'cim-stop-'));
after(() => rmSync(root, { recursive: true, force: true }));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(
    `${signal} to the whole process group (Ctrl-C in a terminal) stops cim up and its nats-server cleanly`,
    { timeout: 60_000 },
    async () => {
      const up = await startCimUp(
        ['--data', join(root, signal)],
        { CIM_LOG_LEVEL: 'info' },
        { detached: true },
      );
      const natsPid = up.ready.natsPid!;
      assert.ok(alive(natsPid));
      const exited = new Promise<number | null>((resolve) =>
        up.process.once('exit', (code) => resolve(code)),
      );
      try {
        process.kill(-up.ready.pid, signal);
        assert.equal(await exited, 0);
        assert.doesNotMatch(up.stderr(), /restarting|shutdown step failed/);
        for (let i = 0; i < 50 && alive(natsPid); i++) await new Promise((r) => setTimeout(r, 100));
        assert.equal(alive(natsPid), false, 'nats-server is stopped with cim up');
      } finally {
        // Leave no server behind when an assertion fails.
        if (alive(natsPid)) process.kill(natsPid, 'SIGKILL');
      }
    },
  );
}
