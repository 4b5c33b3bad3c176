import type {
  MoveOutcome,
  PolicyApplied,
  PolicyList,
  PolicyRun,
  StorageStatus,
  VerifyStarted,
  VerifyStatus,
} from '../../api/schemas/index.js';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import cliProgress from 'cli-progress';
import { InvalidInputError, UnavailableError } from '../../core/errors.js';
import { parseDefinitionText } from '../../core/definition-text.js';
import { callNode, nodeUrl } from '../client.js';
import { printJson } from '../output.js';

interface ClientOptions {
  url?: string;
  json?: boolean;
}

const POLL_MS = 250;

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** `cim storage status`: objects, units and bytes per tier. */
export async function status(options: ClientOptions): Promise<void> {
  const { tiers } = await callNode<StorageStatus>(nodeUrl(options.url), '/api/storage');
  if (tiers.some((t) => t.error !== undefined)) process.exitCode = 1;
  if (options.json) return printJson({ tiers });
  for (const t of tiers) {
    const faults = t.readFaults > 0 ? `  ${t.readFaults} read fault(s)` : '';
    process.stdout.write(
      t.error !== undefined
        ? `${t.name.padEnd(10)} unusable: ${t.error}${faults}\n`
        : `${t.name.padEnd(10)} ${String(t.objects).padStart(8)} objects ${String(t.units ?? '?').padStart(8)} units ${mb(t.bytes ?? 0).padStart(12)}${faults}\n`,
    );
  }
}

/** `cim storage tier CID --to NAME [--keep]`: moves one content, verified. */
export async function tier(
  cid: string,
  options: ClientOptions & { to: string; keep?: boolean },
): Promise<void> {
  const outcome = await callNode<MoveOutcome>(nodeUrl(options.url), '/api/storage/tier', {
    method: 'POST',
    body: { cid, to: options.to, keep: options.keep === true },
  });
  if (options.json) return printJson(outcome);
  if (outcome.status === 'moved') {
    process.stdout.write(
      `${outcome.kept ? 'copied' : 'moved'} ${cid} (${outcome.size} bytes) ${outcome.from} → ${outcome.to}, verified\n`,
    );
  } else process.stdout.write(`${cid} is already in ${options.to}\n`);
}

/**
 * `cim storage verify [--tier NAME] [--repair]`: the node re-hashes every object, and every copy
 * the history places in a tier, in the background; this
 * follows it with a progress bar and prints the report (faults, lost content by name); exit code
 * 1 when any object is wrong.
 */
export async function verify(
  options: ClientOptions & { tier?: string; repair?: boolean },
): Promise<void> {
  const base = nodeUrl(options.url);
  let { run } = await callNode<VerifyStarted>(base, '/api/storage/verify', {
    method: 'POST',
    body: {
      ...(options.tier !== undefined && { tier: options.tier }),
      ...(options.repair === true && { repair: true }),
    },
  });
  const bar =
    process.stderr.isTTY && !options.json
      ? new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: `verifying ${options.tier ?? 'every tier'} {bar} {value}/{total} objects | ETA {eta_formatted}`,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(Math.max(1, run.expected ?? 1), 0);
  while (run.state === 'running') {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    run = (await callNode<VerifyStatus>(base, '/api/storage/verify')).run ?? run;
    if (run.checked > (run.expected ?? 0)) bar?.setTotal(run.checked);
    bar?.update(run.checked);
  }
  bar?.stop();
  if (run.state === 'failed' || run.report === null) {
    throw new UnavailableError(`The verification stopped: ${run.error ?? 'see the node’s log'}`);
  }
  const report = run.report;
  if (options.json) printJson(report);
  else {
    for (const t of report.tiers) {
      process.stdout.write(
        `${t.name.padEnd(10)} ${String(t.checked).padStart(8)} checked ${mb(t.bytes).padStart(12)}  ${t.faults} fault(s)\n`,
      );
    }
    for (const f of report.faults) {
      const repaired = f.repairedFrom === undefined ? '' : ` (repaired from ${f.repairedFrom})`;
      process.stdout.write(`fault ${f.tier} ${f.cid}: ${f.error}${repaired}\n`);
    }
    for (const l of report.lost) {
      const more = l.units > l.names.length ? ', …' : '';
      process.stdout.write(
        `LOST ${l.cid}: no tier holds an intact copy; ${l.units} unit(s): ${l.names.join(', ')}${more}\n`,
      );
    }
  }
  if (report.faults.length > 0 || report.lost.length > 0) process.exitCode = 1;
}

/** The text of a policy file; an unreadable file is one sentence. */
function readSourceFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidInputError(
      `The policy file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): check the path.`,
      { cause: err },
    );
  }
}

function runLine(name: string, run: PolicyRun | null): string {
  if (run === null) return `${name}: not run yet`;
  const error = run.lastError !== undefined ? ` (last error: ${run.lastError})` : '';
  return `${name}: ${run.state}, ${run.examined} units examined, ${run.moved} moved, ${run.failed} failed${error}`;
}

/**
 * `cim storage policy apply FILE [--wait]`: records a lifecycle policy (YAML or JSON); the node
 * runs it at once and then periodically. With --wait, follows the run to its end.
 */
export async function policyApply(
  file: string,
  options: ClientOptions & { wait?: boolean },
): Promise<void> {
  const base = nodeUrl(options.url);
  const policy = parseDefinitionText(readSourceFile(file), basename(file));
  const applied = await callNode<PolicyApplied>(base, '/api/storage/policies', {
    method: 'POST',
    body: { policy },
  });
  const name = applied.policy.name;
  let run: PolicyRun | null = applied.run;
  while (options.wait && run?.state === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { policies } = await callNode<PolicyList>(base, '/api/storage/policies');
    run = policies.find((p) => p.policy.name === name)?.run ?? null;
    if (!options.json && process.stderr.isTTY && run) {
      process.stderr.write(`\r${run.examined} examined, ${run.moved} moved, ${run.failed} failed`);
    }
  }
  if (!options.json && process.stderr.isTTY && options.wait) process.stderr.write('\n');
  if (options.json) printJson({ policy: applied.policy, run });
  else process.stdout.write(`applied ${runLine(name, run)}\n`);
  if (run?.state === 'failed' || (options.wait && (run?.failed ?? 0) > 0)) process.exitCode = 1;
}

/** `cim storage policy ls`: every policy and its latest run. */
export async function policyLs(options: ClientOptions): Promise<void> {
  const listing = await callNode<PolicyList>(nodeUrl(options.url), '/api/storage/policies');
  if (options.json) return printJson(listing);
  if (listing.policies.length === 0) process.stdout.write('No lifecycle policy is applied.\n');
  for (const { policy, run } of listing.policies) {
    process.stdout.write(`${runLine(policy.name, run)}\n`);
  }
}
