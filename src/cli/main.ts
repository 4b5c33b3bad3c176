import { Argument, Command, CommanderError, Option } from 'commander';
import { parseComponent, COMPONENTS } from '../core/components.js';
import { CIM_VERSION } from '../runtime/version.js';
import { reportError } from './output.js';
import type { ConfigFlags } from './load-config.js';
import { registerLeafCommands } from './leaf-commands.js';

/**
 * Loads a command's module only when the command runs: a client command such as `cim ingest` then
 * starts without loading the node's server code (HTTP, SQLite, the NATS server supervisor).
 */
function lazy<A extends unknown[]>(
  load: () => Promise<(...args: A) => unknown>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    await (
      await load()
    )(...args);
  };
}

const runNode = lazy(async () => (await import('./commands/run-node.js')).runNode);
const status = lazy(async () => (await import('./commands/status.js')).status);
const tail = lazy(async () => (await import('./commands/events.js')).tail);
const verify = lazy(async () => (await import('./commands/events.js')).verify);
const append = lazy(async () => (await import('./commands/events.js')).append);
const archive = lazy(async () => (await import('./commands/archive.js')).archive);
const backup = lazy(async () => (await import('./commands/backup.js')).backup);
const backupLs = lazy(async () => (await import('./commands/backup.js')).ls);
const backupVerify = lazy(async () => (await import('./commands/backup.js')).verify);
const restore = lazy(async () => (await import('./commands/backup.js')).restore);
const ingest = lazy(async () => (await import('./commands/ingest.js')).ingest);
const ls = lazy(async () => (await import('./commands/units.js')).ls);
const show = lazy(async () => (await import('./commands/units.js')).show);
const cat = lazy(async () => (await import('./commands/units.js')).cat);
const history = lazy(async () => (await import('./commands/units.js')).history);
const lineage = lazy(async () => (await import('./commands/units.js')).lineage);
const search = lazy(async () => (await import('./commands/units.js')).search);
const pipelineApply = lazy(async () => (await import('./commands/pipeline.js')).apply);
const pipelineLs = lazy(async () => (await import('./commands/pipeline.js')).ls);
const pipelineShow = lazy(async () => (await import('./commands/pipeline.js')).show);
const pipelinePause = lazy(async () => (await import('./commands/pipeline.js')).pause);
const pipelineResume = lazy(async () => (await import('./commands/pipeline.js')).resume);
const pluginLs = lazy(async () => (await import('./commands/plugin.js')).ls);
const pipelineRun = lazy(async () => (await import('./commands/pipeline.js')).run);
const pipelineRetry = lazy(async () => (await import('./commands/pipeline.js')).retry);
const pipelineStatus = lazy(async () => (await import('./commands/pipeline.js')).status);
const connectorApply = lazy(async () => (await import('./commands/connector.js')).apply);
const connectorLs = lazy(async () => (await import('./commands/connector.js')).ls);
const connectorShow = lazy(async () => (await import('./commands/connector.js')).show);
const connectorPause = lazy(async () => (await import('./commands/connector.js')).pause);
const connectorResume = lazy(async () => (await import('./commands/connector.js')).resume);
const connectorRm = lazy(async () => (await import('./commands/connector.js')).rm);
const connectorRewind = lazy(async () => (await import('./commands/connector.js')).rewind);
const connectorRun = lazy(async () => (await import('./commands/connector.js')).run);
const storageStatus = lazy(async () => (await import('./commands/storage.js')).status);
const storageTier = lazy(async () => (await import('./commands/storage.js')).tier);
const storageVerify = lazy(async () => (await import('./commands/storage.js')).verify);
const policyApply = lazy(async () => (await import('./commands/storage.js')).policyApply);
const policyLs = lazy(async () => (await import('./commands/storage.js')).policyLs);
const components = lazy(async () => (await import('./commands/components.js')).components);
const audit = lazy(async () => (await import('./commands/audit.js')).audit);
const deployRender = lazy(async () => (await import('./commands/deploy.js')).render);
const natsInit = lazy(async () => (await import('./commands/nats.js')).init);
const clusterInit = lazy(async () => (await import('./commands/cluster.js')).init);
const clusterUp = lazy(async () => (await import('./commands/cluster.js')).up);
const clusterDown = lazy(async () => (await import('./commands/cluster.js')).down);
const login = lazy(async () => (await import('./commands/auth.js')).login);
const adminCreate = lazy(async () => (await import('./commands/auth.js')).adminCreate);
const adminLs = lazy(async () => (await import('./commands/auth.js')).adminLs);
const adminRole = lazy(async () => (await import('./commands/auth.js')).adminRole);
const adminPassword = lazy(async () => (await import('./commands/auth.js')).adminPassword);
const passwordChange = lazy(async () => (await import('./commands/auth.js')).passwordChange);
const tokenCreate = lazy(async () => (await import('./commands/auth.js')).tokenCreate);
const tokenLs = lazy(async () => (await import('./commands/auth.js')).tokenLs);
const tokenRevoke = lazy(async () => (await import('./commands/auth.js')).tokenRevoke);
const clusterStatus = lazy(async () => (await import('./commands/cluster.js')).status);

type NodeFlags = ConfigFlags & { json?: boolean };

const program = new Command('cim')
  .description('CIM, the Composable Information Machine')
  .version(CIM_VERSION)
  .option('--debug', 'print stack traces with errors')
  .showSuggestionAfterError(true)
  .exitOverride()
  .configureOutput({ writeErr: () => undefined });

/** Adds the flags every command that reaches a running node takes. */
const clientCommand = (cmd: Command) =>
  cmd
    .option('--url <url>', 'node to talk to (default $CIM_URL, else http://127.0.0.1:8080)')
    .option('--json', 'print JSON');

/** Adds the flags of commands that run components. */
const nodeCommand = (cmd: Command) =>
  cmd
    .option('--data <dir>', 'data folder (default $CIM_DATA, else ~/.local/share/cim)')
    .option('--http <host:port>', 'HTTP listen address (default 127.0.0.1:8080)')
    .option('--nats <url>', 'use this NATS server instead of starting one (default $NATS_URL)')
    .option('--config <file>', 'JSON config file (default $CIM_CONFIG)')
    .option('--json', 'print the ready message as JSON');

nodeCommand(
  program
    .command('up')
    .description('start every component on a leaf node, with the web UI and HTTP API'),
).action((options: NodeFlags) => runNode(COMPONENTS, options));

nodeCommand(
  program
    .command('serve')
    .description('run one component (as a container does)')
    .addOption(
      new Option('--component <name>', 'component to run')
        .choices([...COMPONENTS])
        .makeOptionMandatory(),
    ),
).action((options: NodeFlags & { component: string }) =>
  runNode([parseComponent(options.component)], options),
);

clientCommand(
  program.command('status').description('health of the node and of each component'),
).action(status);

const events = program.command('events').description('read, append and verify events');
clientCommand(
  events
    .command('tail')
    .description('print events after a position; --follow keeps printing new ones'),
)
  .option('--after <position>', 'start after this stream position', '0')
  .option('--limit <n>', 'print at most this many before following', '100')
  .option('--follow', 'keep printing events as they are recorded')
  .action(tail);
clientCommand(
  events.command('verify').description('recompute every event CID and walk every aggregate chain'),
)
  .option('--nats <url>', 'verify directly against this NATS server instead of through a node')
  .action(verify);
clientCommand(
  events
    .command('archive')
    .description(
      'seal old events into the event archive in a tier (and purge them from the stream)',
    ),
)
  .option('--to <tier>', 'the tier the archive goes to, such as cold')
  .option('--through <position>', 'seal up to this stream position (default: the end)')
  .option('--older-than <age>', 'only events recorded longer ago, such as 30d, 12h, 90m')
  .option('--purge', "then remove them from the stream, keeping each aggregate's last event")
  .option('--status', 'show where the archive stands instead of running')
  .action(archive);
clientCommand(events.command('append').description('append one event to an aggregate'))
  .requiredOption('--domain <domain>', 'domain token')
  .requiredOption('--aggregate <type>', 'aggregate type token')
  .requiredOption('--id <aggregateId>', 'aggregate id token')
  .requiredOption('--type <EventType>', 'event type, PascalCase past tense')
  .option('--data <json>', 'event data as JSON, or @FILE (@- for stdin)', '{}')
  .option('--expected-version <n|any>', 'version the aggregate must be at', 'any')
  .option('--event-id <uuidv7>', 'event id, to make a retry idempotent')
  .action(append);

const backupCommand = clientCommand(
  program
    .command('backup')
    .description(
      'back the node up into a tier: events, KV state, content and consumers, with a manifest',
    ),
)
  .option('--to <tier>', 'the tier the backup goes to (an S3 or folder tier of its own)')
  .option('--incremental', 'add to the newest backup in the tier instead of a full one')
  .option('--status', 'show the latest backup run instead of starting one')
  .action(backup);
/** Adds the flags of commands that read a backup from a tier themselves, with no node. */
const backupReader = (cmd: Command) =>
  cmd
    .requiredOption('--from <tier>', 'the tier holding the backup (named in the config file)')
    .option('--config <file>', 'JSON config file naming the tier (default $CIM_CONFIG)')
    .option('--json', 'print JSON');
backupReader(
  backupCommand.command('ls').description('the backups a tier holds, oldest first'),
).action((_options: unknown, cmd: Command) => backupLs(cmd.optsWithGlobals()));
backupReader(
  backupCommand
    .command('verify')
    .description(
      'check a backup without restoring it: every object, CID and chain (exit code 1 on a fault)',
    ),
)
  .option('--manifest <cid>', 'this backup instead of the newest')
  // `--json` may land on `backup` itself, which takes it too.
  .action((_options: unknown, cmd: Command) => backupVerify(cmd.optsWithGlobals()));
backupReader(
  program
    .command('restore')
    .description('rebuild a node from a backup onto a new or empty data folder'),
)
  .requiredOption('--data <dir>', 'the data folder to restore into (new or empty)')
  .option('--nats <url>', 'restore into this new NATS cluster instead of a server of its own')
  .option('--manifest <cid>', 'this backup instead of the newest')
  .action(restore);

const collect = (value: string, previous: string[] = []) => [...previous, value];
/** Adds the filter flags of listing and search. */
const filtered = (cmd: Command) =>
  cmd
    .option('--media-type <type>', 'only this media type, or a glob such as text/*')
    .option('--tag <tag>', 'only units with this tag')
    .option('--context <context>', 'only units in this context');

clientCommand(
  program
    .command('ingest')
    .description('ingest files, folders (recursively) or - for stdin')
    .argument('<paths...>', 'files, folders or -'),
)
  .option('--tag <tag>', 'tag every unit (repeatable)', collect)
  .option('--context <context>', 'put every unit in this context')
  .option('--concurrency <n>', 'files ingested at once (1-64)', '4')
  .action(ingest);

const units = program.command('units').description('list, show and read information units');
filtered(clientCommand(units.command('ls').description('list units, newest first')))
  .option('--limit <n>', 'units per page', '50')
  .option('--cursor <position>', 'continue after this page cursor')
  .action(ls);
clientCommand(
  units.command('show').description('a unit and its metadata').argument('<cid>', 'unit CID'),
).action(show);
units
  .command('cat')
  .description('write the exact bytes of a unit to stdout')
  .argument('<cid>', 'unit CID')
  .option('--url <url>', 'node to talk to')
  .action(cat);
clientCommand(
  units
    .command('history')
    .description('every version of the unit’s document')
    .argument('<cid>', 'unit CID'),
).action(history);
clientCommand(
  units
    .command('lineage')
    .description('what the unit derives from and what derives from it')
    .argument('<cid>', 'unit CID'),
).action(lineage);
filtered(
  clientCommand(
    program
      .command('search')
      .description('full-text and metadata search over units')
      .argument('<query>', 'words or "a phrase"'),
  ),
)
  .option('--limit <n>', 'hits to show', '20')
  .action(search);

clientCommand(
  program
    .command('components')
    .description('running components and plugin services, from the registry'),
)
  .option('--capability <capability>', 'only those offering this, e.g. component:units')
  .action(components);

clientCommand(
  program.command('audit').description('the audit trail: changes people made, newest first'),
)
  .option('--actor <actor>', 'only this actor (user:ana), or a prefix ending in * (token:*)')
  .option('--type <type>', 'only this event type, e.g. PipelineApplied')
  .option('--after <time>', 'only changes at or after this time (ISO 8601)')
  .option('--limit <n>', 'changes to show', '100')
  .action(audit);

const connector = program
  .command('connector')
  .description('connectors of the Integration Hub: sources CIM takes information from by itself');
clientCommand(
  connector
    .command('apply')
    .description('record a connector definition (YAML or JSON) as its new version')
    .argument('<file>', 'definition file'),
).action(connectorApply);
clientCommand(
  connector.command('ls').description('every connector, its state (or STALLED) and counts'),
).action(connectorLs);
for (const [name, description] of [
  ['show', 'a connector’s definition, health, checkpoints and dead letters'],
  ['status', 'the same as show'],
] as const)
  clientCommand(
    connector.command(name).description(description).argument('<name>', 'connector name'),
  ).action(connectorShow);
clientCommand(
  connector.command('pause').description('stop a connector polling').argument('<name>', 'name'),
)
  .option('--reason <text>', 'why, kept in its history')
  .action(connectorPause);
clientCommand(
  connector
    .command('resume')
    .description('let a paused or failed connector poll again from its last checkpoint')
    .argument('<name>', 'connector name'),
).action(connectorResume);
clientCommand(
  connector
    .command('rm')
    .description('remove a connector (what it brought in stays)')
    .argument('<name>', 'connector name'),
)
  .option('--reason <text>', 'why, kept in its history')
  .action(connectorRm);
clientCommand(
  connector
    .command('rewind')
    .description('re-read from an earlier checkpoint (nothing is stored twice)')
    .argument('<name>', 'connector name'),
)
  .requiredOption('--to <position>', 'stream position of the checkpoint (cim connector show)')
  .option('--reason <text>', 'why, kept in its history')
  .action(connectorRewind);
clientCommand(
  connector.command('run').description('poll a connector now').argument('<name>', 'name'),
)
  .option('--now', 'poll now instead of at its next scheduled time')
  .action(connectorRun);

const pipeline = program.command('pipeline').description('define, inspect and control pipelines');
clientCommand(
  pipeline
    .command('apply')
    .description('record a pipeline definition (YAML or JSON) as its new version')
    .argument('<file>', 'definition file'),
).action(pipelineApply);
clientCommand(pipeline.command('ls').description('every pipeline and its state')).action(
  pipelineLs,
);
clientCommand(
  pipeline
    .command('show')
    .description('a pipeline’s definition and history')
    .argument('<name>', 'pipeline name'),
).action(pipelineShow);
clientCommand(
  pipeline
    .command('pause')
    .description('stop a pipeline taking new work')
    .argument('<name>', 'pipeline name'),
)
  .option('--reason <text>', 'why, kept in its history')
  .action(pipelinePause);
clientCommand(
  pipeline
    .command('resume')
    .description('let a paused pipeline take work again')
    .argument('<name>', 'pipeline name'),
).action(pipelineResume);

clientCommand(
  pipeline
    .command('run')
    .description('run a pipeline over every unit already ingested')
    .argument('<name>', 'pipeline name'),
)
  .option('--backfill', 'run over every existing unit (steps already computed are reused)')
  .action(pipelineRun);
clientCommand(
  pipeline
    .command('status')
    .description('a pipeline’s state, work done and waiting, and dead letters')
    .argument('<name>', 'pipeline name'),
).action(pipelineStatus);
clientCommand(
  pipeline
    .command('retry')
    .description('run a pipeline’s dead letters again')
    .argument('<name>', 'pipeline name'),
).action(pipelineRetry);

const plugin = program.command('plugin').description('plugins the node has loaded');
clientCommand(
  plugin.command('ls').description('plugins loaded and refused, with their capabilities'),
).action(pluginLs);

const storage = program.command('storage').description('storage tiers and moves between them');
clientCommand(storage.command('status').description('objects and bytes per tier')).action(
  storageStatus,
);
clientCommand(
  storage
    .command('tier')
    .description('move one content to a tier (verified there before the source is freed)')
    .argument('<cid>', 'content CID (a unit’s contentCid)')
    .requiredOption('--to <tier>', 'destination tier, such as warm or cold')
    .option('--keep', 'keep the source copy too'),
).action(storageTier);
clientCommand(
  storage
    .command('verify')
    .description(
      're-hash every object and every copy the history places in a tier, report faults and lost content (exit code 1 when any)',
    )
    .option('--tier <tier>', 'only this tier')
    .option('--repair', 'replace each faulty copy from an intact one in another tier'),
).action(storageVerify);

const policy = storage
  .command('policy')
  .description('lifecycle policies moving content between tiers');
clientCommand(
  policy
    .command('apply')
    .description('record a lifecycle policy (YAML or JSON) and run it')
    .argument('<file>', 'policy file')
    .option('--wait', 'follow the run to its end'),
).action(policyApply);
clientCommand(policy.command('ls').description('every policy and its latest run')).action(policyLs);

const deploy = program.command('deploy').description('render deployments from an inventory');
deploy
  .command('render')
  .description('per-host NixOS configuration (and NATS configuration) from an inventory')
  .requiredOption('--inventory <file>', 'inventory of hosts, YAML or JSON (docs/deploy-nixos.md)')
  .option('--out <dir>', 'folder to write the host files into', 'hosts')
  .option('--json', 'print JSON')
  .action(deployRender);

clientCommand(
  program
    .command('login')
    .description('sign in: store a token for the CLI (0600, in the user config folder)')
    .option('--username <name>', 'user to sign in as (asked when absent)')
    .option('--expires <duration>', 'how long the token stays valid, e.g. 30d (default 30d)')
    .option('--token-stdin', 'store a token made with cim token create, read from stdin'),
).action(login);

const admin = program.command('admin').description('users and their roles');
clientCommand(
  admin
    .command('create')
    .description('create a user; the first admin while the node has none (on its machine)')
    .option('--username <name>', 'the new user (asked when absent)')
    .addOption(
      new Option('--role <role>', 'its role')
        .choices(['admin', 'writer', 'reader'])
        .default('admin'),
    ),
).action(adminCreate);
clientCommand(admin.command('ls').description('every user and its role')).action(adminLs);
clientCommand(
  admin
    .command('role')
    .description('give a user another role')
    .argument('<username>', 'the user')
    .addArgument(new Argument('<role>', 'its new role').choices(['admin', 'writer', 'reader'])),
).action(adminRole);
clientCommand(
  admin
    .command('password')
    .description("set a user's password (read from stdin); the user's sessions end")
    .argument('<username>', 'the user'),
).action(adminPassword);
clientCommand(
  program
    .command('password')
    .description('change your own password (the current one is asked first); your sessions end'),
).action(passwordChange);

const token = program.command('token').description('API tokens');
clientCommand(
  token
    .command('create')
    .description('make an API token (printed once, stored hashed)')
    .addOption(
      new Option('--role <role>', 'its role')
        .choices(['admin', 'writer', 'reader'])
        .makeOptionMandatory(),
    )
    .option('--expires <duration>', 'how long it stays valid, e.g. 30d, 12h (default: no expiry)')
    .option('--name <name>', 'its name, shown as token:<name> in events (default: generated)'),
).action(tokenCreate);
clientCommand(token.command('ls').description('every token: name, role, expiry')).action(tokenLs);
clientCommand(
  token.command('revoke').description('revoke a token').argument('<name>', 'the token'),
).action(tokenRevoke);

registerLeafCommands(program);

const nats = program
  .command('nats')
  .description("NATS users and permissions of this node's server");
nats
  .command('init')
  .description(
    'create an operator, the CIM and system accounts and one user per component (.creds, mode 0600)',
  )
  .option('--data <dir>', 'data folder (default $CIM_DATA, else ~/.local/share/cim)')
  .option('--config <file>', 'JSON config file (default $CIM_CONFIG); nats.auth names the folder')
  .option(
    '--plugin <name>',
    'also a user for this plugin service (repeatable)',
    (value: string, all: string[] = []) => [...all, value],
  )
  .option('--json', 'print JSON')
  .action(natsInit);

const cluster = program
  .command('cluster')
  .description('a local JetStream cluster (nats-server 2.10+) for CIM to run on');
const clusterDirOption = '--dir <dir>';
const clusterDirHelp =
  'cluster folder (default <data>/cluster, data = $CIM_DATA or ~/.local/share/cim)';
cluster
  .command('init')
  .description("write the members' nats-server configurations (routes, stores, optional TLS)")
  .option('--nodes <n>', 'members: an odd number from 3 to 9', '3')
  .option(clusterDirOption, clusterDirHelp)
  .option('--host <host>', 'address every member listens on', '127.0.0.1')
  .option(
    '--port <port>',
    'first client port; the others follow, cluster/leaf/monitor ports are +2000/+3200/+4000 (default: free ports)',
  )
  .option('--name <name>', 'cluster name; members are <name>-1, <name>-2, …', 'cim')
  .option('--tls-cert <file>', 'PEM certificate for client connections')
  .option('--tls-key <file>', 'PEM key of --tls-cert')
  .option('--tls-ca <file>', 'PEM CA to verify clients against')
  .option('--route-tls-cert <file>', 'PEM certificate each member presents on its routes')
  .option('--route-tls-key <file>', 'PEM key of --route-tls-cert')
  .option('--route-tls-ca <file>', 'PEM CA the members verify each other against (mutual TLS)')
  .option(
    '--auth',
    'require NATS users: cim nats init in <dir>/nats-auth, rendered into every member',
  )
  .option('--hub', "accept leaf nodes on leaf ports, JetStream domain 'hub'")
  .option('--sync <policy>', 'JetStream sync_interval: always (default) or a duration such as 2m')
  .option('--force', 'write the configuration again over an existing (stopped) cluster')
  .option('--json', 'print JSON')
  .action(clusterInit);
cluster
  .command('up')
  .description('start every member (detached), wait until healthy, print the client URLs')
  .option(clusterDirOption, clusterDirHelp)
  .option('--timeout <seconds>', 'how long to wait for the members to be healthy', '60')
  .option('--json', 'print JSON')
  .action(clusterUp);
cluster
  .command('down')
  .description('stop every member by its PID')
  .option(clusterDirOption, clusterDirHelp)
  .option('--json', 'print JSON')
  .action(clusterDown);
cluster
  .command('status')
  .description("each member's PID, health, version and JetStream meta leader")
  .option(clusterDirOption, clusterDirHelp)
  .option('--json', 'print JSON')
  .action(clusterStatus);

/** Turns commander's usage errors into CIM's one-sentence form. */
function usageSentence(err: CommanderError): string {
  const message = err.message.replace(/^error: /, '');
  return `${message.charAt(0).toUpperCase()}${message.slice(1)}: see 'cim --help'.`;
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    if (
      err.code === 'commander.helpDisplayed' ||
      err.code === 'commander.version' ||
      err.code === 'commander.help'
    ) {
      process.exitCode = 0;
    } else {
      process.stderr.write(`cim: ${usageSentence(err)}\n`);
      process.exitCode = 2;
    }
  } else {
    reportError(
      err,
      program.opts<{ debug?: boolean }>().debug === true || process.argv.includes('--debug'),
    );
  }
}
