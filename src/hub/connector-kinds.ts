import type { PluginSet } from '../plugins/plugin-registry.js';
import type { ConnectorKinds } from './definition.js';

/** The connector kinds of a process's loaded plugins (built-ins first). */
export function pluginKinds(plugins: PluginSet): ConnectorKinds {
  return {
    kind: (name) => plugins.connector(name)?.definition,
    names: () => [
      ...new Set(
        plugins.loaded.flatMap((plugin) =>
          Object.keys(plugin.definition.provides.connectors ?? {}),
        ),
      ),
    ],
  };
}
