import type { ComponentList, Health, RegisteredComponent } from '../../api/schemas/index.js';
import { callNode, nodeUrl } from '../client.js';
import { printJson } from '../output.js';

/**
 * `cim status`: the health of the node, the components it runs, and every component and plugin
 * service registered anywhere (the registry), with when each was last seen.
 */
export async function status(options: { url?: string; json?: boolean }): Promise<void> {
  const base = nodeUrl(options.url);
  const health = await callNode<Health>(base, '/api/health');
  // The registry may run elsewhere, or not at all: the node's own health is still worth showing.
  let registered: RegisteredComponent[] | null = null;
  let registryError: string | undefined;
  try {
    ({ components: registered } = await callNode<ComponentList>(base, '/api/components'));
  } catch (err) {
    registryError = (err as Error).message;
  }
  if (options.json) return printJson({ ...health, registered });
  const lines = [
    `Node ${base}: ${health.status} (cim ${health.version}, up since ${health.startedAt})`,
    `  NATS ${health.nats.url} (nats-server ${health.nats.serverVersion})`,
    ...health.components.map((c) => `  ${c.name.padEnd(10)} ${c.status}`),
    registered === null
      ? `Registered: unknown (${registryError ?? 'no answer'})`
      : `Registered (${registered.length}):`,
    ...(registered ?? []).map(
      (c) =>
        `  ${c.name.padEnd(16)} ${c.kind.padEnd(14)} ${`${c.host}:${c.pid}`.padEnd(24)} last seen ${c.lastSeen}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
