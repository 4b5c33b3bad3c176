import { Command, CommanderError } from 'commander';
import { describeFigure, describeMachine, note } from './harness.js';
import type { Figure } from './harness.js';
import { backupSuite } from './backup.js';
import { eventsSuite } from './events.js';
import { ingestSuite } from './ingest.js';
import { pipelineSuite } from './pipeline.js';
import { searchSuite } from './search.js';
import { tiersSuite } from './tiers.js';
import { uiSuite } from './ui.js';

type Suite = (sync: string) => Promise<{ figures: Figure[]; serverVersion: string }>;

/**
 * Every suite by name, with the JetStream sync policies it is measured under. The first is CIM's
 * default (`always`: fsync before acknowledging), the one its targets are judged under; a second
 * (`2m`, nats-server's own default) is printed beside it for reference. Within one policy every
 * baseline runs on a server with that same policy.
 */
const SUITES: Record<string, { run: Suite; policies: readonly string[] }> = {
  events: { run: eventsSuite, policies: ['always', '2m'] },
  ingest: { run: ingestSuite, policies: ['always', '2m'] },
  search: { run: searchSuite, policies: ['always'] },
  pipeline: { run: pipelineSuite, policies: ['always'] },
  tiers: { run: tiersSuite, policies: ['always'] },
  ui: { run: uiSuite, policies: ['always'] },
  backup: { run: backupSuite, policies: ['always'] },
};

const program = new Command('bench')
  .argument('<suite>', `one of: ${Object.keys(SUITES).join(', ')}`)
  .option('--json', 'print one JSON document')
  .exitOverride()
  .configureOutput({ writeErr: () => undefined });

try {
  program.parse(process.argv);
  const [name] = program.args as [string];
  const suite = SUITES[name];
  if (!suite) {
    process.stderr.write(
      `bench: there is no suite ${JSON.stringify(name)}: choose one of ${Object.keys(SUITES).join(', ')}.\n`,
    );
    process.exit(2);
  }
  note(
    'run this alone on the machine: other work on the same cores moves CIM and its baseline unequally',
  );
  const bySync: Figure[][] = [];
  let serverVersion = '';
  for (const sync of suite.policies) {
    note(`sync_interval ${sync}: every server of this pass, CIM's and the baselines', uses it`);
    const run = await suite.run(sync);
    serverVersion = run.serverVersion;
    bySync.push(run.figures.map((f) => ({ ...f, name: `${f.name} [sync ${sync}]` })));
  }
  // Each figure, then the same figure under the other policies, one line each.
  const figures = (bySync[0] ?? []).flatMap((_, i) => bySync.map((run) => run[i]!));
  const machine = describeMachine(serverVersion);
  if (program.opts<{ json?: boolean }>().json) {
    process.stdout.write(`${JSON.stringify({ suite: name, machine, figures })}\n`);
  } else {
    process.stdout.write(`suite ${name} on ${Object.values(machine).join(', ')}\n`);
    for (const f of figures) process.stdout.write(`${describeFigure(f)}\n`);
  }
  process.exit(0);
} catch (err) {
  if (err instanceof CommanderError) {
    if (err.exitCode === 0) process.exit(0);
    process.stderr.write(
      `bench: ${err.message.replace(/^error: /, '')}: run npm run bench -- events.\n`,
    );
    process.exit(2);
  }
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exit(1);
}
