import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  ConnectorDefinition,
  ConnectorJson,
  ConnectorSession,
} from '../plugins/plugin-api.js';
import { RecordingSink } from './recording-sink.js';

/** What a connector kind's test hands the contract: a real source it can change. */
export interface ConnectorFixture {
  readonly definition: ConnectorDefinition;
  /** Settings of a connector reading the fixture's source (before `checkSettings`). */
  readonly settings: Record<string, unknown>;
  /** Credential files by name, as `ctx.secret` reads them. */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Adds a new item to the source; resolves with the source URI the connector will report. */
  add(label: string, body: string): Promise<string>;
  /** Gives an existing item new bytes under the same source. */
  change(source: string, body: string): Promise<void>;
  /** Stops the source's server and removes what the fixture made. */
  close(): Promise<void>;
}

/** A session of `fixture`'s connector, with the context the hub would give it. */
export function openSession(
  fixture: ConnectorFixture,
  signal: AbortSignal,
  tempDir: string,
): ConnectorSession {
  const checked = fixture.definition.checkSettings(fixture.settings);
  if (!checked.ok) throw new Error(`the fixture's settings are refused: ${checked.error}`);
  const quiet = () => undefined;
  return fixture.definition.open(checked.settings, {
    name: 'contract',
    logger: { info: quiet, warn: quiet, error: quiet },
    signal,
    tempDir,
    async secret(file) {
      const value = fixture.secrets?.[file];
      if (value === undefined) throw new Error(`no credential file ${file}`);
      return value;
    },
  });
}

/**
 * What every connector kind must do, run against its real source: a first poll takes
 * everything in, a poll from the returned cursor takes nothing twice, a new item arrives alone,
 * a changed item arrives as new bytes under the same source, a restart from a recorded
 * checkpoint (a new session) repeats nothing, and the payload is the raw bytes.
 */
export function connectorContract(kind: string, makeFixture: () => Promise<ConnectorFixture>) {
  describe(`connector contract: ${kind}`, () => {
    let fixture: ConnectorFixture;
    let tempDir: string;
    const stop = new AbortController();
    let session: ConnectorSession;
    let cursor: ConnectorJson | null = null;
    const sources: string[] = [];
    // One sink for the whole suite, cleared before each poll: it remembers what each source
    // last gave, so an item given again is told apart from a new one, as the hub does.
    const sink = new RecordingSink();

    before(async () => {
      fixture = await makeFixture();
      tempDir = mkdtempSync(join(tmpdir(), `cim-connector-${kind}-`));
      for (const label of ['first', 'second', 'third']) {
        sources.push(await fixture.add(label, `the ${label} item of the ${kind} contract\n`));
      }
      session = openSession(fixture, stop.signal, tempDir);
    });
    after(async () => {
      stop.abort();
      await session?.close?.();
      await fixture?.close();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    });

    test('a first poll takes every item in, with its raw bytes, and checkpoints', async () => {
      sink.clear();
      cursor = await session.poll(null, sink);
      assert.deepEqual(sink.items.map((i) => i.source).sort(), [...sources].sort());
      for (const item of sink.items) {
        assert.match(item.bytes.toString('utf8'), new RegExp(`of the ${kind} contract`));
      }
      assert.deepEqual(sink.failures, []);
      assert.ok(sink.checkpoints.length > 0, 'the poll recorded a checkpoint');
      assert.deepEqual(sink.checkpoints.at(-1), cursor, 'the last checkpoint is the new cursor');
    });

    test('a poll from the returned cursor takes nothing again', async () => {
      sink.clear();
      cursor = await session.poll(cursor, sink);
      assert.deepEqual(
        sink.items.filter((i) => i.outcome !== 'seen-again').map((i) => i.source),
        [],
      );
    });

    test('an item added later arrives alone on the next poll', async () => {
      const added = await fixture.add('fourth', `the fourth item of the ${kind} contract\n`);
      sources.push(added);
      sink.clear();
      cursor = await session.poll(cursor, sink);
      assert.deepEqual(
        sink.items.map((i) => i.source),
        [added],
      );
    });

    test('an item changed at the source arrives with its new bytes under the same source', async () => {
      const changed = sources[0]!;
      await fixture.change(changed, `the first item of the ${kind} contract, changed\n`);
      sink.clear();
      cursor = await session.poll(cursor, sink);
      const fresh = sink.items.filter((i) => i.outcome !== 'seen-again');
      assert.deepEqual(
        fresh.map((i) => i.source),
        [changed],
      );
      assert.match(fresh[0]!.bytes.toString('utf8'), /changed/);
    });

    test('a new session started from the last checkpoint (a restart) repeats nothing', async () => {
      await session.close?.();
      session = openSession(fixture, stop.signal, tempDir);
      sink.clear();
      cursor = await session.poll(cursor, sink);
      assert.deepEqual(
        sink.items.filter((i) => i.outcome !== 'seen-again').map((i) => i.source),
        [],
      );
    });
  });
}
