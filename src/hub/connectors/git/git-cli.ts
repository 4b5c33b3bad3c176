import { execFile, spawn } from 'node:child_process';

/**
 * Options every git call gets: no transport that runs commands (`ext::`), never a prompt for
 * credentials (a connector has no terminal; git fails instead of hanging).
 */
const SAFE = [
  '-c',
  'protocol.ext.allow=never',
  '-c',
  'core.askPass=',
  '-c',
  'credential.interactive=never',
];
const ENV = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '' };

/** A git command that failed: its exit and the first line git wrote to stderr. */
export class GitCommandError extends Error {
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(reason, options);
    this.name = 'GitCommandError';
  }
}

/**
 * Runs the git CLI without a shell and resolves with its stdout. Callers put user input after
 * `--` or behind a fixed prefix, never where git reads options.
 */
export function git(
  args: readonly string[],
  options: { cwd?: string; signal?: AbortSignal } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...SAFE, ...args],
      { env: ENV, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8', ...options },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        // git's progress lines come first; the reason is its fatal/error line, else its last.
        const lines = stderr.split('\n').filter((l) => l.trim() !== '');
        const line = lines.find((l) => /^(fatal|error): /.test(l)) ?? lines.at(-1) ?? err.message;
        reject(new GitCommandError(line.replace(/^(fatal|error): /, '').trim(), { cause: err }));
      },
    );
  });
}

/** Streams one blob's bytes out of `gitDir`. */
export async function* blobBytes(gitDir: string, blob: string): AsyncIterable<Uint8Array> {
  const child = spawn('git', [...SAFE, '--git-dir', gitDir, 'cat-file', 'blob', blob], {
    env: ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-1000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  for await (const chunk of child.stdout) yield chunk as Buffer;
  const code = await exited;
  if (code !== 0) throw new GitCommandError(`git cat-file ${blob} failed: ${stderr.trim()}`);
}
