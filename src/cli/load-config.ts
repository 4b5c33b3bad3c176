import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Config, ConfigLayer } from '../core/config.js';
import { parseHostPort, resolveConfig } from '../core/config.js';
import { InvalidConfigError } from '../core/errors.js';

/** Flags that feed the configuration. */
export interface ConfigFlags {
  readonly config?: string;
  readonly data?: string;
  readonly http?: string;
  readonly nats?: string;
}

/** Reads the config file named by `--config` or `$CIM_CONFIG`, if any. */
function readConfigFile(path: string): { name: string; values: unknown } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InvalidConfigError(
      `Config file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): check the path given to --config or CIM_CONFIG.`,
      {
        cause: err,
      },
    );
  }
  try {
    return { name: path, values: JSON.parse(text) as unknown };
  } catch (err) {
    throw new InvalidConfigError(
      `Config file ${path} is not valid JSON (${(err as Error).message}): fix it.`,
      { cause: err },
    );
  }
}

/** Loads the configuration: defaults ← config file ← environment ← flags, validated once. */
export function loadConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): Config {
  const path = flags.config ?? (env['CIM_CONFIG'] || undefined);
  const layer: ConfigLayer = {};
  if (flags.data !== undefined) layer['dataDir'] = resolve(flags.data);
  if (flags.http !== undefined) layer['http'] = parseHostPort(flags.http, '--http');
  if (flags.nats !== undefined) layer['nats'] = { url: flags.nats };
  return resolveConfig({
    defaults: { dataDir: join(homedir(), '.local', 'share', 'cim') },
    ...(path !== undefined ? { file: readConfigFile(path) } : {}),
    env,
    flags: layer,
  });
}
