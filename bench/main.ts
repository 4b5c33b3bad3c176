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

/** Every suite by name. */
const SUITES: Record<string, () => Promise<{ figures: Figure[]; serverVersion: string }>> = {
  events: eventsSuite,
  ingest: ingestSuite,
  search: searchSuite,
  pipeline: pipelineSuite,
  tiers: tiersSuite,
  ui: uiSuite,
  backup: backupSuite,
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
  const { figures, serverVersion } = await suite();
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
