import type { ComponentName } from '../../runtime/components.js';
import { startNode } from '../../runtime/node.js';
import { createLogger } from '../../runtime/logger.js';
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
  const config = loadConfig(flags);
  const logger = createLogger(config.log.level);
  const node = await startNode(config, components, logger);
  const ready = {
    status: 'ready',
    components,
    ui: node.httpUrl ?? null,
    nats: node.natsUrl,
    natsServerVersion: node.serverVersion,
    dataDir: config.dataDir,
    pid: process.pid,
    natsPid: node.managedNats?.pid ?? null,
  };
  if (flags.json) printJson(ready);
  else {
    const lines = [`CIM is up (${components.join(', ')}).`];
    if (node.httpUrl) lines.push(`  HTTP: ${node.httpUrl}/api/health`);
    lines.push(
      `  NATS: ${node.natsUrl} (nats-server ${node.serverVersion}${node.managedNats ? ', managed' : ''})`,
    );
    lines.push(`  Data: ${config.dataDir}`, 'Press Ctrl-C to stop.');
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  await new Promise<void>((resolve) => {
    const shutdown = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'stopping');
      process.off('SIGINT', shutdown);
      process.off('SIGTERM', shutdown);
      void node.stop().then(resolve);
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
}
