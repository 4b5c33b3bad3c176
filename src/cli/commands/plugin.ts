import type { PluginListing } from '../../plugins/plugin-registry.js';
import { callNode, nodeUrl } from '../client.js';
import { printJson } from '../output.js';

/** `cim plugin ls`: plugins loaded by the node, and those refused with the reason. */
export async function ls(options: { url?: string; json?: boolean }): Promise<void> {
  const { plugins } = await callNode<{ plugins: PluginListing[] }>(
    nodeUrl(options.url),
    '/api/plugins',
  );
  if (options.json) return printJson({ plugins });
  if (plugins.length === 0) {
    process.stdout.write('No plugin is loaded: name them in the plugins field of the config.\n');
    return;
  }
  for (const p of plugins) {
    const name = `${p.name}${p.version ? `@${p.version}` : ''}`;
    const detail = p.status === 'loaded' ? p.capabilities.join(' ') : (p.error ?? '');
    process.stdout.write(`${name.padEnd(28)} ${p.status.padEnd(8)} ${p.source}  ${detail}\n`);
  }
}
