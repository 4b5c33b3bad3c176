import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The `cim` launcher of this checkout. */
export const CIM_BIN = fileURLToPath(new URL('../../../bin/cim.js', import.meta.url));

/** Outcome of one CLI run. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Nodes under test start bare, without the built-in first-run pipeline (its events and derived
 * units would change what most tests count); a test of the first run passes
 * `CIM_PIPELINE_FIRST_RUN: 'documents'`.
 */
const BARE_NODE = { CIM_PIPELINE_FIRST_RUN: 'none' };

/** Runs `cim ARGS…` to completion, with `input` on its stdin when given. */
export function runCim(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  input?: string,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CIM_BIN, ...args], {
      env: {
        ...process.env,
        ...BARE_NODE,
        CIM_URL: '',
        NATS_URL: '',
        CIM_CONFIG: '',
        CIM_DATA: '',
        ...env,
      },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (input !== undefined) child.stdin?.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The ready document `cim up --json` prints. */
export interface ReadyMessage {
  readonly ui: string;
  readonly nats: string;
  readonly pid: number;
  readonly natsPid: number | null;
}

/** A `cim up` process started by a test. */
export interface CimUp {
  readonly process: ChildProcess;
  readonly ready: ReadyMessage;
  /** How long it took from its start to its ready document. */
  readonly readyMs: number;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * How long `cim up` may take to be ready. With a core kept busy on a machine at load ~25 it took
 * 10-36 s on its own server, 49 s on a 3-member cluster (every stream R3) and 74 s on a leaf,
 * where the 30 s this was had failed.
 */
const READY_TIMEOUT_MS = 240_000;

/**
 * Starts `cim up --json ARGS…` and resolves once it prints its ready document. With `detached`,
 * it leads its own process group, as a shell job in a terminal does.
 */
export function startCimUp(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  options: { detached?: boolean } = {},
): Promise<CimUp> {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [CIM_BIN, 'up', '--json', '--http', '127.0.0.1:0', ...args],
    {
      env: {
        ...process.env,
        ...BARE_NODE,
        NATS_URL: '',
        CIM_CONFIG: '',
        CIM_LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached ?? false,
    },
  );
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cim up did not become ready in ${Date.now() - started} ms: ${stderr}`));
    }, READY_TIMEOUT_MS);
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line === undefined || !stdout.includes('\n')) return;
      clearTimeout(timer);
      resolve({
        process: child,
        ready: JSON.parse(line) as ReadyMessage,
        readyMs: Date.now() - started,
        stderr: () => stderr,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`cim up exited (${code}) before it was ready: ${stderr}`));
    });
  });
}
