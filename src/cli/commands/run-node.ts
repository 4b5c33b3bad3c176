import type { ComponentName } from '../../core/components.js';
import { startNode } from '../../runtime/node.js';
import type { RunningNode } from '../../runtime/node.js';
import { chooseLogFormat, createLogger } from '../../runtime/logger.js';
import type { ConfigFlags } from '../load-config.js';
import { loadConfig } from '../load-config.js';
import { printJson } from '../output.js';

/**
 * Runs components until SIGINT/SIGTERM, then stops them (children included) and resolves.
 * Prints the UI and NATS URLs once ready (`--json`: one JSON document).
 */
export async function runNode(
  components: readonly ComponentName[],
  flags: ConfigFlags & { json?: boolean },
): Promise<void> {
  const loaded = loadConfig(flags);
  const format = chooseLogFormat({
    json: flags.json === true,
    configured: loaded.log.format,
    stdout: process.stdout,
    stderr: process.stderr,
  });
  // The chosen format travels with the configuration, so worker threads log the same way.
  const config = { ...loaded, log: { ...loaded.log, format } };
  const logger = createLogger(config.log.level, 'cim', format);
  // Listen for signals before anything starts: a signal that arrives before a listener exists
  // kills the process outright and leaves the server running.
  let signalled: NodeJS.Signals | undefined;
  let wake: (() => void) | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    signalled = signal;
    wake?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const node = await startNode(config, components, logger);
    if (signalled === undefined) {
      printReady(node, components, config.dataDir, flags.json === true);
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (signalled !== undefined) resolve();
      });
    }
    logger.info({ signal: signalled }, 'stopping');
    await node.stop();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function printReady(
  node: RunningNode,
  components: readonly ComponentName[],
  dataDir: string,
  json: boolean,
): void {
  const ready = {
    status: 'ready',
    components,
    ui: node.httpUrl ?? null,
    nats: node.natsUrl,
    natsServerVersion: node.serverVersion,
    dataDir,
    pid: process.pid,
    natsPid: node.managedNats?.pid ?? null,
    signIn: node.localMode() ? 'none' : 'required',
  };
  if (json) return printJson(ready);
  const lines = [`CIM is up (${components.join(', ')}).`];
  if (node.httpUrl) lines.push(`  UI:   ${node.httpUrl}/`, `  API:  ${node.httpUrl}/api/health`);
  lines.push(
    `  NATS: ${node.natsUrl} (nats-server ${node.serverVersion}${node.managedNats ? ', managed' : ''})`,
  );
  lines.push(`  Data: ${dataDir}`);
  if (node.localMode())
    lines.push(
      '  Sign-in: none. This node has no user yet and listens on loopback only, so anyone on this',
      '  machine uses it as "local". Run cim admin create to make the first admin and require sign-in.',
    );
  lines.push('Press Ctrl-C to stop.');
  process.stdout.write(`${lines.join('\n')}\n`);
}
