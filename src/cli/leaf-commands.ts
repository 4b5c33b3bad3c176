import type { Command } from 'commander';

/** Loads `commands/leaf.js` only when a leaf command runs (it pulls in the cluster code). */
const leaf =
  (name: 'init' | 'up' | 'down' | 'attach' | 'status' | 'verify') =>
  async (options: unknown): Promise<void> => {
    const commands = await import('./commands/leaf.js');
    // Commander hands each action the options its own flags declare, which match the command's.
    await (commands[name] as (o: unknown) => Promise<void>)(options);
  };

/** Registers `cim leaf init|up|down|attach|status|verify` on the program. */
export function registerLeafCommands(program: Command): void {
  const cmd = program
    .command('leaf')
    .description('a leaf node: its own JetStream domain, linked to a hub that mirrors it');
  cmd
    .command('init')
    .description("write a leaf node's nats-server configuration (nats-server 2.10+)")
    .requiredOption('--domain <domain>', "the leaf's JetStream domain (also its server name)")
    .requiredOption('--hub <urls>', 'hub leaf URLs, comma-separated (nats-leaf://HOST:PORT)')
    .option('--dir <dir>', 'folder for its configuration and store (default <data>/leaf)')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--port <port>', 'client port (default 4222)')
    .option('--monitor-port <port>', 'monitoring port (default 8222)')
    .option('--sync <policy>', 'JetStream sync_interval: always (default) or a duration such as 2m')
    .option(
      '--hub-creds <file>',
      "the hub's leaf user (.creds from the hub's cim nats init) the link authenticates with",
    )
    .option('--hub-ca <file>', "PEM CA the hub's leaf port certificate is checked against")
    .option('--force', 'write over an existing configuration')
    .option('--json', 'print JSON')
    .action(leaf('init'));
  for (const [name, what] of [
    ['up', "start the leaf's nats-server"],
    ['down', "stop the leaf's nats-server"],
  ] as const)
    cmd
      .command(name)
      .description(what)
      .option('--dir <dir>', 'folder written by leaf init (default <data>/leaf)')
      .option('--json', 'print JSON')
      .action(leaf(name));
  cmd
    .command('attach')
    .description("create (or check) the hub's mirrors of a leaf's events and content")
    .requiredOption('--domain <domain>', "the leaf's JetStream domain")
    .option('--nats <urls>', 'the hub (default $NATS_URL, else nats://127.0.0.1:4222)')
    .option('--replicas <n>', 'replicas of each mirror (default 3; 1 for a lone hub server)')
    .option('--json', 'print JSON')
    .action(leaf('attach'));
  cmd
    .command('status')
    .description('link state and how far the hub is behind the leaf')
    .option('--nats <url>', 'the leaf (default $NATS_URL, else nats://127.0.0.1:4222)')
    .option('--hub-domain <domain>', "the hub's JetStream domain (default hub)")
    .option('--hub-nats <urls>', 'reach the hub directly too, for lag while the link is down')
    .option('--monitor <url>', "the leaf server's monitoring URL, to report its /leafz connections")
    .option('--json', 'print JSON')
    .action(leaf('status'));
  cmd
    .command('verify')
    .description('check on the hub every mirrored event chain and content object of a leaf')
    .requiredOption('--domain <domain>', "the leaf's JetStream domain")
    .option('--nats <urls>', 'the hub (default $NATS_URL, else nats://127.0.0.1:4222)')
    .option('--json', 'print JSON')
    .action(leaf('verify'));
}
