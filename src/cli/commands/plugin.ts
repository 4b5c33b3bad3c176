import type { PluginList } from '../../api/schemas/index.js';
import { callNode, nodeUrl } from '../client.js';
import { printJson } from '../output.js';

/** `cim plugin ls`: plugin services running, plugins loaded by the node, and those refused. */
export async function ls(options: { url?: string; json?: boolean }): Promise<void> {
  const { plugins, services } = await callNode<PluginList>(nodeUrl(options.url), '/api/plugins');
  if (options.json) return printJson({ plugins, services });
  for (const s of services) {
    const name = `${s.name}@${s.version}`;
    process.stdout.write(
      `${name.padEnd(28)} ${'service'.padEnd(8)} ${s.host}:${s.pid}  ${s.capabilities.join(' ')}\n`,
    );
  }
  if (plugins.length === 0 && services.length === 0) {
    process.stdout.write('No plugin is loaded: name them in the plugins field of the config.\n');
    return;
  }
  for (const p of plugins) {
    const name = `${p.name}${p.version ? `@${p.version}` : ''}`;
    const detail = p.status === 'loaded' ? p.capabilities.join(' ') : (p.error ?? '');
    process.stdout.write(`${name.padEnd(28)} ${p.status.padEnd(8)} ${p.source}  ${detail}\n`);
  }
}
