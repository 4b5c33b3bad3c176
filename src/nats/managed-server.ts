import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { PortInUseError, UnavailableError } from '../core/errors.js';
import { assertPortFree, freePort } from './free-port.js';
import { findNatsServer } from './server-binary.js';

/** Options for {@link ManagedNatsServer}. */
export interface ManagedNatsOptions {
  /** CIM's data folder; the server keeps its store, config, log and pid file in `<dataDir>/nats`. */
  readonly dataDir: string;
  /** Client port; 0 picks a free loopback port (kept across restarts). */
  readonly port: number;
  /**
   * The nats-server executable, refused when older than CIM's minimum (server-binary.ts); unset: the
   * first recent enough of `$CIM_NATS_SERVER`, `nats-server` on PATH and the project's `.tools/`.
   */
  readonly serverBin?: string | undefined;
  /** JetStream's `sync_interval`: `always` (fsync before acknowledging) or a duration. */
  readonly sync: string;
  readonly logger: Logger;
  /** How long to wait for the server to say it is ready, in milliseconds. */
  readonly readyTimeoutMs?: number;
  /**
   * The `resolver.conf` of `cim nats init` (operator, accounts): with it every client must
   * present a user of the CIM account; without it the server takes any client on loopback.
   */
  readonly resolver?: string | undefined;
}

const READY_LINE = 'Server is ready';

/**
 * A nats-server child process with JetStream, its store under the data folder. It is restarted
 * when it dies, and stopped (gracefully, then by force) on {@link stop}. A server left running by
 * a previous `cim up` that was killed is stopped before a new one starts on the same store.
 */
export class ManagedNatsServer {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;
  private port = 0;
  private readonly dir: string;
  private readonly host = '127.0.0.1';

  constructor(private readonly options: ManagedNatsOptions) {
    this.dir = join(options.dataDir, 'nats');
  }

  /** `nats://127.0.0.1:<port>` once started. */
  get url(): string {
    return `nats://${this.host}:${this.port}`;
  }

  /** PID of the running server process, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the server and resolves once it accepts clients. */
  async start(): Promise<void> {
    const binary = findNatsServer(this.options.serverBin);
    mkdirSync(join(this.dir, 'jetstream'), { recursive: true });
    await this.stopLeftover();
    if (this.options.port === 0) this.port = await freePort(this.host);
    else {
      this.port = this.options.port;
      await assertPortFree(this.host, this.port);
    }
    await this.launch(binary.path);
  }

  private get pidFile(): string {
    return join(this.dir, 'nats-server.pid');
  }

  private writeConfig(): string {
    const file = join(this.dir, 'nats-server.conf');
    const config = [
      '# Written by cim up at every start; edit the CIM config instead.',
      `listen: "${this.host}:${this.port}"`,
      'server_name: cim_leaf',
      `pid_file: ${JSON.stringify(this.pidFile)}`,
      ...(this.options.resolver !== undefined
        ? // nats-server resolves an include against the including file's folder, even when absolute.
          [`include ${JSON.stringify(relative(this.dir, this.options.resolver))}`]
        : []),
      'jetstream {',
      `  store_dir: ${JSON.stringify(join(this.dir, 'jetstream'))}`,
      `  sync_interval: ${JSON.stringify(this.options.sync)}`,
      '}',
      '',
    ].join('\n');
    writeFileSync(file, config);
    return file;
  }

  private launch(bin: string): Promise<void> {
    const configFile = this.writeConfig();
    const log = createWriteStream(join(this.dir, 'nats-server.log'), { flags: 'a' });
    // Its own process group: a Ctrl-C in the terminal reaches cim, which stops the server in order.
    const child = spawn(bin, ['-c', configFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    this.child = child;
    let tail = '';
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        if (ready) return;
        child.kill('SIGKILL');
        reject(
          new UnavailableError(
            `nats-server did not become ready: see ${join(this.dir, 'nats-server.log')}.`,
          ),
        );
      }, this.options.readyTimeoutMs ?? 15_000);
      child.stderr?.on('data', (chunk: Buffer) => {
        log.write(chunk);
        if (ready) return;
        tail = (tail + chunk.toString()).slice(-4000);
        if (tail.includes(READY_LINE)) {
          ready = true;
          clearTimeout(timer);
          this.restarts = 0;
          resolve();
        }
      });
      child.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const hint =
          err.code === 'ENOENT'
            ? `${bin} is not installed any more: run 'bash scripts/cim-dev.sh nats-tools' to fetch one.`
            : `nats-server could not be started (${err.message}).`;
        reject(new UnavailableError(hint, { cause: err }));
      });
      child.once('exit', (code, signal) => {
        log.end();
        clearTimeout(timer);
        if (!ready) {
          if (/address already in use/i.test(tail)) {
            reject(new PortInUseError(`${this.host}:${this.port}`));
          } else {
            const last = tail.trim().split('\n').slice(-1)[0] ?? '';
            reject(
              new UnavailableError(
                `nats-server exited before it was ready (${last || `code ${code}`}).`,
              ),
            );
          }
          return;
        }
        if (!this.stopping) this.restartAfterCrash(bin, code, signal);
      });
    });
  }

  private restartAfterCrash(bin: string, code: number | null, signal: NodeJS.Signals | null): void {
    this.restarts++;
    const delay = Math.min(10_000, 250 * 2 ** Math.min(this.restarts - 1, 6));
    this.options.logger.warn(
      { code, signal, restartInMs: delay },
      'nats-server exited unexpectedly; restarting it',
    );
    void sleep(delay).then(async () => {
      if (this.stopping) return;
      try {
        await this.launch(bin);
        this.options.logger.info({ url: this.url }, 'nats-server restarted');
      } catch (err) {
        this.options.logger.error({ err }, 'nats-server restart failed');
        if (!this.stopping) this.restartAfterCrash(bin, null, null);
      }
    });
  }

  /** Stops a server a killed `cim up` left running on this store, so two never share it. */
  private async stopLeftover(): Promise<void> {
    if (!existsSync(this.pidFile)) return;
    const pid = Number(readFileSync(this.pidFile, 'utf8').trim());
    rmSync(this.pidFile, { force: true });
    if (!Number.isInteger(pid) || pid <= 0 || !isNatsServer(pid)) return;
    this.options.logger.warn({ pid }, 'stopping a nats-server left running by an earlier cim up');
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }

  /**
   * Stops the server: SIGTERM (it flushes and closes its store), SIGKILL after `graceMs`.
   * Resolves `clean` when it exited by itself, `killed` when it had to be killed (its store may
   * then miss writes it still held in memory), `gone` when it was not running.
   */
  async stop(graceMs = 10_000): Promise<'clean' | 'killed' | 'gone'> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return 'gone';
    let killed = false;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(timer);
    return killed ? 'killed' : 'clean';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isNatsServer(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('nats-server');
  } catch {
    return false;
  }
}
