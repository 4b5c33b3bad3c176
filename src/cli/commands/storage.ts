import type { MoveOutcome, TierStatus, VerifyReport } from '../../storage/storage-manager.js';
import { callNode, nodeUrl } from '../client.js';
import { printJson } from '../output.js';

interface ClientOptions {
  url?: string;
  json?: boolean;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** `cim storage status`: objects and bytes per tier. */
export async function status(options: ClientOptions): Promise<void> {
  const { tiers } = await callNode<{ tiers: TierStatus[] }>(nodeUrl(options.url), '/api/storage');
  if (options.json) return printJson({ tiers });
  for (const t of tiers) {
    const faults = t.readFaults > 0 ? `  ${t.readFaults} read fault(s)` : '';
    process.stdout.write(
      t.error !== undefined
        ? `${t.name.padEnd(10)} unusable: ${t.error}${faults}\n`
        : `${t.name.padEnd(10)} ${String(t.objects).padStart(8)} objects ${mb(t.bytes ?? 0).padStart(12)}${faults}\n`,
    );
  }
  if (tiers.some((t) => t.error !== undefined)) process.exitCode = 1;
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

/** `cim storage verify [--tier NAME]`: re-hashes every object; exit code 1 when any is wrong. */
export async function verify(options: ClientOptions & { tier?: string }): Promise<void> {
  if (!options.json && process.stderr.isTTY) {
    process.stderr.write(`verifying ${options.tier ?? 'every tier'}…\n`);
  }
  const report = await callNode<VerifyReport>(nodeUrl(options.url), '/api/storage/verify', {
    method: 'POST',
    body: options.tier === undefined ? {} : { tier: options.tier },
  });
  if (options.json) printJson(report);
  else {
    for (const t of report.tiers) {
      process.stdout.write(
        `${t.name.padEnd(10)} ${String(t.checked).padStart(8)} checked ${mb(t.bytes).padStart(12)}  ${t.faults} fault(s)\n`,
      );
    }
    for (const f of report.faults) process.stdout.write(`fault ${f.tier} ${f.cid}: ${f.error}\n`);
  }
  if (report.faults.length > 0) process.exitCode = 1;
}
