import type { ComponentList } from '../../api/schemas/index.js';
import { callNode, nodeUrl } from '../client.js';
import { printJson } from '../output.js';

/** Seconds since `iso`, for the human listing. */
function ago(iso: string): string {
  return `${Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000))}s ago`;
}

/** `cim components`: every live component and plugin service in the registry. */
export async function components(options: {
  url?: string;
  json?: boolean;
  capability?: string;
}): Promise<void> {
  const params = new URLSearchParams();
  if (options.capability !== undefined) params.set('capability', options.capability);
  const query = params.size > 0 ? `?${params}` : '';
  const { components } = await callNode<ComponentList>(
    nodeUrl(options.url),
    `/api/components${query}`,
  );
  if (options.json) return printJson({ components });
  if (components.length === 0) {
    process.stdout.write(
      options.capability === undefined
        ? 'No component is registered.\n'
        : `No running component offers ${options.capability}.\n`,
    );
    return;
  }
  for (const c of components) {
    process.stdout.write(
      `${c.name.padEnd(16)} ${c.kind.padEnd(14)} ${c.version.padEnd(10)} ${`${c.host}:${c.pid}`.padEnd(24)} seen ${ago(c.lastSeen).padEnd(8)} ${c.capabilities.join(' ')}\n`,
    );
  }
}
