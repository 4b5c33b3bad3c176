import { initNatsAuth } from '../../nats/auth/nats-auth.js';
import { natsAuthDir } from '../../nats/auth/managed-auth.js';
import type { ConfigFlags } from '../load-config.js';
import { loadConfig } from '../load-config.js';
import { printJson } from '../output.js';

/**
 * `cim nats init`: the operator, the accounts and one user per component (and per plugin service
 * named with `--plugin`) in the `nats.auth` folder. Prints paths only, never a seed.
 */
export async function init(
  options: ConfigFlags & { json?: boolean; plugin?: string[] },
): Promise<void> {
  const config = loadConfig(options);
  const report = await initNatsAuth(natsAuthDir(config), { plugins: options.plugin ?? [] });
  if (options.json) return printJson(report);
  process.stdout.write(
    `${report.created ? 'Created' : 'Reissued'} NATS users in ${report.dir} (operator and accounts ${report.created ? 'new' : 'kept'}):\n`,
  );
  for (const user of report.users)
    process.stdout.write(`  ${user.name.padEnd(24)} ${user.creds}\n`);
  process.stdout.write(
    'The managed server requires them from its next start; other processes set nats.credentials to their file.\n',
  );
}
