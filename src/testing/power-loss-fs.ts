import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const SOURCE_DIR = fileURLToPath(new URL('../../../src/testing/power-loss-fs/', import.meta.url));
/** Where `build.sh` (and scripts/cim-dev.sh's `test`) put the compiled file system. */
export const POWER_LOSS_FS_BIN = fileURLToPath(
  new URL('../../../.tools/power-loss-fs/power-loss-fs', import.meta.url),
);
const CONTROL = '.power-loss-fs';

/** What a power cut undid, as the file system reports it. */
export interface CutReport {
  /** Creations, removals, renames and mode changes that no sync had made durable. */
  readonly namespaceUndone: number;
  /** Files whose content or size went back to their last fsync. */
  readonly filesRolledBack: number;
  /** Durable bytes written back over unsynced overwrites. */
  readonly bytesRestored: number;
  /** Unsynced bytes cut off the ends of files. */
  readonly bytesDropped: number;
  /** Undo steps that failed (the file system logs each on its stderr). */
  readonly failures: number;
}

/** A mounted power-loss file system (src/testing/power-loss-fs/). */
export interface PowerLossFs {
  /** Where the file system is mounted: use paths under it. */
  readonly mountpoint: string;
  /** The folder it passes through to; after a cut it holds exactly what was fsynced. */
  readonly backing: string;
  readonly pid: number;
  /** Makes everything written so far durable, as the kernel's writeback eventually would. */
  checkpoint(): Promise<void>;
  /**
   * The power cut: every change not fsynced is undone in the backing folder, then the file
   * system unmounts and exits. Kill the processes writing to it first.
   */
  cut(): Promise<CutReport>;
  /** Unmounts (everything stays, as after an orderly shutdown); safe after a cut or a failure. */
  stop(): Promise<void>;
  /** Everything the file system wrote to stderr so far. */
  stderr(): string;
}

function newestSourceMs(): number {
  return Math.max(...readdirSync(SOURCE_DIR).map((f) => statSync(join(SOURCE_DIR, f)).mtimeMs));
}

/**
 * The compiled file system, compiled first when it is missing or older than its sources (which
 * needs gcc and libfuse3-dev: `bash scripts/cim-dev.sh test` installs them).
 */
export function powerLossFsBinary(): string {
  if (existsSync(POWER_LOSS_FS_BIN) && statSync(POWER_LOSS_FS_BIN).mtimeMs >= newestSourceMs())
    return POWER_LOSS_FS_BIN;
  try {
    execFileSync('sh', [join(SOURCE_DIR, 'build.sh'), POWER_LOSS_FS_BIN], { stdio: 'pipe' });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
    throw new Error(
      `could not compile the power-loss file system (it needs gcc, libfuse3-dev and fuse3; ` +
        `'bash scripts/cim-dev.sh test' installs them): ${stderr}`,
    );
  }
  return POWER_LOSS_FS_BIN;
}

/** True while something is mounted at `path` (a realpath). */
export function mounted(path: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4] === path);
}

async function waitUnmounted(path: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (mounted(path)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function exitWithin(child: ChildProcess, ms: number): Promise<boolean> {
  const timer = sleep(ms, false, { ref: false });
  return Promise.race([exited(child).then(() => true), timer]);
}

/** Mounts the file system over `backing` at `mountpoint` (both existing folders). */
export async function mountPowerLossFs(backing: string, mountpoint: string): Promise<PowerLossFs> {
  const bin = powerLossFsBinary();
  const mount = realpathSync(mountpoint);
  const child = spawn(bin, [backing, mount], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const events = (): Record<string, unknown>[] =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const deadline = Date.now() + 30_000;
  while (!events().some((e) => e['event'] === 'ready')) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`power-loss-fs exited before it was mounted: ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`power-loss-fs was not mounted within 30 s: ${stderr}`);
    }
    await sleep(10);
  }

  /** Forces the mount away when the process is gone but its mount is not. */
  const forceUnmount = async () => {
    if (await waitUnmounted(mount, 5000)) return;
    const root = process.getuid?.() === 0;
    spawnSync(root ? 'umount' : 'fusermount3', root ? ['-l', mount] : ['-u', '-z', mount]);
    if (!(await waitUnmounted(mount, 5000))) throw new Error(`${mount} is still mounted`);
  };

  return {
    mountpoint: mount,
    backing,
    pid: child.pid!,
    async checkpoint() {
      await writeFile(join(mount, CONTROL), 'checkpoint');
    },
    async cut() {
      await writeFile(join(mount, CONTROL), 'cut');
      if (!(await exitWithin(child, 10_000))) {
        child.kill('SIGKILL');
        throw new Error(`power-loss-fs did not exit after the cut: ${stderr}`);
      }
      await forceUnmount();
      const report = events().find((e) => e['event'] === 'cut');
      if (report === undefined) throw new Error(`power-loss-fs reported no cut: ${stderr}`);
      return report as unknown as CutReport;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        if (!(await exitWithin(child, 10_000))) {
          child.kill('SIGKILL');
          await exited(child);
        }
      }
      await forceUnmount();
    },
    stderr: () => stderr,
  };
}
