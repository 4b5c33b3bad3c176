import { execFileSync } from 'node:child_process';

/** Nix without a daemon or build users: evaluation only. */
const NIX_ENV = { ...process.env, NIX_CONFIG: 'build-users-group =\nexperimental-features =' };

/** Runs `nix-instantiate ARGS…` and returns its standard output; a clear error when missing. */
export function nixInstantiate(args: readonly string[]): string {
  try {
    return execFileSync('nix-instantiate', args, { env: NIX_ENV, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        "nix-instantiate is missing: install Debian's nix-bin (bash scripts/cim-dev.sh test does).",
      );
    }
    throw new Error(`nix-instantiate ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

/** Evaluates a Nix expression strictly and returns its value as JSON. */
export function nixEval<T>(expression: string): T {
  return JSON.parse(nixInstantiate(['--eval', '--strict', '--json', '--expr', expression])) as T;
}
