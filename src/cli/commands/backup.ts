import type { BackupStarted, BackupStatus } from '../../api/schemas/index.js';
import { IntegrityError, InvalidInputError, UnavailableError } from '../../core/errors.js';
import { chooseLogFormat, createLogger } from '../../runtime/logger.js';
import { restoreNode } from '../../runtime/restore-node.js';
import type { BackupVerifyReport } from '../../storage/backup/backup-verify.js';
import { verifyBackup } from '../../storage/backup/backup-verify.js';
import { backupTier, listBackups } from '../../storage/backup/backup-shelf.js';
import type { StorageTier } from '../../storage/tiers/storage-tier.js';
import { openTiers } from '../../storage/tiers/open-tiers.js';
import { callNode, nodeUrl } from '../client.js';
import type { ConfigFlags } from '../load-config.js';
import { loadConfig } from '../load-config.js';
import { printJson } from '../output.js';

const POLL_MS = 250;

const progress = (text: string) => {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
};

/** `cim backup --to TIER [--incremental]`: backs the node up and follows the run. */
export async function backup(options: {
  url?: string;
  json?: boolean;
  to?: string;
  incremental?: boolean;
  status?: boolean;
}): Promise<void> {
  const base = nodeUrl(options.url);
  if (options.status) {
    const status = await callNode<BackupStatus>(base, '/api/backup');
    if (options.json) return printJson(status);
    process.stdout.write(
      status.run === null
        ? 'No backup has run since the node started.\n'
        : `The latest backup (to ${status.run.request.to}, started ${status.run.startedAt}) is ${status.run.state}${status.run.manifest ? `: manifest ${status.run.manifest}` : ''}.\n`,
    );
    return;
  }
  if (options.to === undefined) {
    throw new InvalidInputError(
      'cim backup needs --to TIER (the tier the backup goes to), or --status.',
    );
  }
  let { run } = await callNode<BackupStarted>(base, '/api/backup', {
    method: 'POST',
    body: { to: options.to, incremental: options.incremental === true },
  });
  while (run.state === 'running') {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    run = (await callNode<BackupStatus>(base, '/api/backup')).run ?? run;
    if (!options.json) {
      progress(
        `${run.phase}: ${run.events} events, ${run.kvEntries} KV entries, ${run.objects} objects, ${run.bytes} bytes`,
      );
    }
  }
  progress('');
  if (run.state === 'failed') {
    throw new UnavailableError(`The backup stopped: ${run.error ?? 'see the node’s log'}`);
  }
  if (options.json) return printJson({ run });
  const seconds = (Date.parse(run.finishedAt ?? run.startedAt) - Date.parse(run.startedAt)) / 1000;
  process.stdout.write(
    `Backed up ${run.events} events, ${run.kvEntries} KV entries and ${run.objects} content objects (${run.bytes} bytes written) to tier ${run.request.to} in ${seconds.toFixed(1)} s: manifest ${run.manifest}` +
      (run.previous ? `, adding to ${run.previous}.\n` : ' (a full backup).\n'),
  );
}

/** Opens the configured tiers and picks the one named by `--from`. */
async function openFrom(
  flags: ConfigFlags,
  from: string | undefined,
): Promise<{ tier: StorageTier; others: StorageTier[]; all: StorageTier[] }> {
  if (from === undefined)
    throw new InvalidInputError('Name the tier holding the backup with --from TIER.');
  const config = loadConfig(flags);
  const all = await openTiers(config.storage.tiers);
  const tier = all.find((t) => t.name === from);
  if (!tier) {
    await Promise.all(all.map((t) => t.close()));
    throw new InvalidInputError(
      `There is no tier ${JSON.stringify(from)} in storage.tiers: name it in the config file (--config).`,
    );
  }
  return { tier, others: all.filter((t) => t !== tier), all };
}

/** `cim backup ls --from TIER`: the backups a tier holds, oldest first. */
export async function ls(options: ConfigFlags & { json?: boolean; from?: string }): Promise<void> {
  const { tier, all } = await openFrom(options, options.from);
  try {
    const backups = await listBackups(backupTier(tier));
    if (options.json) return printJson({ backups });
    if (backups.length === 0) process.stdout.write(`Tier ${tier.name} holds no backup.\n`);
    for (const b of backups) process.stdout.write(`${b.createdAt}  ${b.manifest}\n`);
  } finally {
    await Promise.all(all.map((t) => t.close()));
  }
}

/** `cim backup verify --from TIER [--manifest CID]`: checks a backup without restoring it. */
export async function verify(
  options: ConfigFlags & { json?: boolean; from?: string; manifest?: string },
): Promise<void> {
  const { tier, others, all } = await openFrom(options, options.from);
  let report: BackupVerifyReport;
  try {
    report = await verifyBackup(tier, others, options.manifest);
  } finally {
    await Promise.all(all.map((t) => t.close()));
  }
  if (options.json) printJson(report);
  else if (report.ok) {
    process.stdout.write(
      `Backup ${report.manifest} (${report.createdAt}, ${report.chain.length} manifest(s)) verifies: ${report.events} events in ${report.aggregates} aggregates, ${report.kvEntries} KV entries, ${report.objects} content objects (${report.bytes} bytes) read and hashed, ${report.tiered} objects present in other tiers.\n`,
    );
  } else {
    for (const p of report.problems) process.stdout.write(`${p.object}: ${p.detail}\n`);
  }
  if (!report.ok) {
    throw new IntegrityError(
      `${report.problemCount} problem(s) in backup ${report.manifest}: it does not verify.`,
    );
  }
}

/** `cim restore --from TIER --data DIR`: rebuilds a node from a backup onto an empty folder. */
export async function restore(
  options: ConfigFlags & { json?: boolean; from?: string; manifest?: string },
): Promise<void> {
  if (options.from === undefined)
    throw new InvalidInputError('Name the tier holding the backup with --from TIER.');
  if (options.data === undefined) {
    throw new InvalidInputError(
      'Name the (new or empty) data folder to restore into with --data DIR.',
    );
  }
  const config = loadConfig(options);
  const format = chooseLogFormat({
    json: options.json === true,
    configured: config.log.format,
    stdout: process.stdout,
    stderr: process.stderr,
  });
  const logger = createLogger(
    config.log.level === 'info' ? 'warn' : config.log.level,
    'cim',
    format,
  );
  const report = await restoreNode(
    { ...config, log: { ...config.log, format } },
    { from: options.from, manifest: options.manifest },
    logger,
    (phase, counts) =>
      options.json
        ? undefined
        : progress(
            `${phase}: ${counts.events} events, ${counts.kvEntries} KV entries, ${counts.objects} objects`,
          ),
  );
  progress('');
  if (options.json) return printJson(report);
  process.stdout.write(
    `Restored backup ${report.manifest} (${report.createdAt}) into ${report.dataDir} in ${report.seconds.toFixed(1)} s: ${report.events} events in ${report.aggregates} aggregates (every CID and chain verified), ${report.kvEntries} KV entries, ${report.objects} content objects (${report.bytes} bytes) into hot, ${report.tiered} objects found in other tiers, ${report.consumers} consumers. Start it with: cim up --data ${report.dataDir}\n`,
  );
}
