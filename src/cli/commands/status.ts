import { callNode, nodeUrl } from '../client.js';
import { printJson } from '../output.js';

interface Health {
  status: string;
  version: string;
  startedAt: string;
  components: { name: string; status: string }[];
  nats: { url: string; serverVersion: string };
}

/** `cim status`: the health of the node and of each component it runs. */
export async function status(options: { url?: string; json?: boolean }): Promise<void> {
  const base = nodeUrl(options.url);
  const health = await callNode<Health>(base, '/api/health');
  if (options.json) return printJson(health);
  const lines = [
    `Node ${base}: ${health.status} (cim ${health.version}, up since ${health.startedAt})`,
    `  NATS ${health.nats.url} (nats-server ${health.nats.serverVersion})`,
    ...health.components.map((c) => `  ${c.name.padEnd(10)} ${c.status}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
