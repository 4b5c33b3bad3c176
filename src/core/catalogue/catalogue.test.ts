import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonValue, RecordedEvent } from '../envelope.js';
import { assertEventFields } from '../envelope.js';
import { EVENT_CATALOGUE, eventTypeOf } from './catalogue.js';
import { recordedEvent } from '../../testing/recorded-event.js';

test('docs/contracts.md lists exactly the event types of the catalogue', () => {
  const doc = readFileSync(join(process.cwd(), 'docs', 'contracts.md'), 'utf8');
  const section = doc.split('### Event types')[1]?.split('\n## ')[0] ?? '';
  const documented = [...section.matchAll(/^\| `([A-Za-z]+)` +\|/gm)].map((m) => m[1]);
  assert.deepEqual([...documented].sort(), EVENT_CATALOGUE.map((e) => e.type).sort());
});

test('every catalogued type is a valid event type, named once, and found by its name', () => {
  const names = EVENT_CATALOGUE.map((e) => e.type);
  assert.equal(new Set(names).size, names.length);
  for (const definition of EVENT_CATALOGUE) {
    assert.doesNotThrow(() => assertEventFields({ type: definition.type }));
    assert.equal(eventTypeOf(definition.type), definition);
  }
  assert.equal(eventTypeOf('ThingMade'), undefined);
});

const unitCid = 'bafyreigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';
const contentCid = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
const unit = {
  content: contentCid,
  mediaType: 'text/plain',
  size: 5,
  name: 'a.txt',
  source: 'file:///a.txt',
  createdAt: '2026-01-01T00:00:00.000Z',
  tags: ['x'],
  context: null,
  derivedFrom: [],
  producedBy: null,
  previous: null,
};
const archive = {
  index: null,
  sealedThrough: 10,
  purgedThrough: 0,
  purgeDoneThrough: 0,
  events: 10,
  segments: 1,
  bytes: 900,
};
const result = {
  processor: 'extract-text@1.0.0',
  derived: [],
  tags: [],
  relations: [],
  textCid: null,
  metadata: { characters: 5, format: 'plain' },
  completedAt: '2026-01-01T00:00:00.000Z',
};
const run = { pipeline: 'docs', step: 'text', stepKey: unitCid, unitCid };

/** Data as each type's writer records it, and data its readers must refuse. */
const samples: Record<string, { good: JsonValue; bad: JsonValue }> = {
  UnitIngested: {
    good: { unitCid, documentId: 'dabc', unit, contentStored: true },
    bad: { unitCid, documentId: 'dabc', unit: { ...unit, size: '5' }, contentStored: true },
  },
  UnitAnnotated: {
    good: {
      unitCid,
      tags: ['a'],
      textCid: null,
      relations: [{ type: 'links-to', target: 'https://example.org' }],
      producedBy: { pipeline: 'docs', processors: ['classify-rules@1.0.0'] },
    },
    bad: { unitCid, tags: 'a', textCid: null, relations: [] },
  },
  PipelineApplied: {
    good: {
      definition: {
        name: 'docs',
        trigger: { events: ['UnitIngested'], mediaTypes: ['text/*'] },
        steps: [{ id: 'text', processor: 'extract-text', params: { max: 3 }, after: [] }],
        concurrency: 8,
        retry: { attempts: 5, backoffMs: 500, maxBackoffMs: 30000 },
      },
      definitionCid: unitCid,
    },
    bad: { definition: { name: 'docs' }, definitionCid: unitCid },
  },
  PipelinePaused: { good: { reason: 'maintenance' }, bad: { reason: 5 } },
  PipelineResumed: { good: { reason: null }, bad: {} },
  StepStarted: {
    good: { ...run, processor: 'extract-text@1.0.0', attempt: 1 },
    bad: { ...run, processor: 'extract-text@1.0.0', attempt: 'first' },
  },
  StepCompleted: {
    good: { ...run, reused: false, result },
    bad: { ...run, reused: false, result: { ...result, metadata: null } },
  },
  StepsCompleted: {
    good: {
      pipeline: run.pipeline,
      unitCid: run.unitCid,
      attempt: 1,
      steps: [{ step: run.step, stepKey: run.stepKey, reused: false, result }],
    },
    bad: { pipeline: run.pipeline, unitCid: run.unitCid, attempt: 1, steps: [] },
  },
  StepFailed: {
    good: { ...run, attempt: 2, final: false, error: 'timed out' },
    bad: { ...run, attempt: 2, error: 'timed out' },
  },
  ContentTiered: {
    good: {
      cid: contentCid,
      from: 'hot',
      to: 'warm',
      size: 5,
      kept: false,
      verifiedBy: 'etag',
      policy: null,
    },
    bad: {
      cid: contentCid,
      from: 'hot',
      to: 'warm',
      size: 5,
      kept: false,
      verifiedBy: 'trust',
      policy: null,
    },
  },
  ContentLost: {
    good: { cid: contentCid, size: 5, tiers: ['hot'], names: ['a.txt'], units: 1 },
    bad: { cid: contentCid, size: 5, tiers: 'hot', names: ['a.txt'], units: 1 },
  },
  ContentRepaired: {
    good: { cid: contentCid, size: 5, tier: 'hot', from: 'safe', fault: 'missing' },
    bad: { cid: contentCid, size: 5, tier: 'hot', from: 'safe', fault: 'gone' },
  },
  StoragePolicyApplied: {
    good: {
      name: 'age-out',
      rules: [{ from: 'hot', to: 'warm', when: { olderThanDays: 30 }, keepCopy: false }],
      rehydrate: false,
    },
    bad: { name: 'age-out', rules: [] },
  },
  EventArchiveSealed: { good: archive, bad: { ...archive, index: 3 } },
  EventArchivePurged: { good: archive, bad: { ...archive, purgedThrough: -1 } },
  BackupCompleted: {
    good: {
      tier: 'backup',
      manifest: 'bafkreimanifest',
      previous: null,
      eventsThrough: 120,
      events: 120,
      kvEntries: 40,
      objects: 30,
      bytes: 90_000,
      seconds: 1.5,
    },
    bad: { tier: 'backup', manifest: 'bafkreimanifest', previous: null, eventsThrough: -1 },
  },
  UserCreated: { good: { username: 'ada', role: 'admin' }, bad: { username: 'ada', role: 'root' } },
  UserRoleChanged: {
    good: { username: 'ada', from: 'reader', to: 'writer' },
    bad: { username: 'ada', from: 'reader' },
  },
  PasswordChanged: {
    good: { username: 'ada', by: 'self', sessionsEnded: 1 },
    bad: { username: 'ada', by: 'root', sessionsEnded: 0 },
  },
  TokenCreated: {
    good: { name: 'ci', role: 'reader', expiresAt: null },
    bad: { name: 'ci', role: 'reader' },
  },
  TokenRevoked: { good: { name: 'ci' }, bad: { name: '' } },
  SignedIn: { good: { username: 'ada', address: '127.0.0.1' }, bad: { username: 'ada' } },
  SignedOut: { good: { username: 'ada', session: 's1' }, bad: { username: 'ada' } },
  SessionRevoked: { good: { username: 'ada', session: 's1' }, bad: { session: 's1' } },
  SignInFailed: {
    good: { username: 'ada', address: null, reason: 'wrong_password' },
    bad: { username: 'ada', address: null, reason: 'typo' },
  },
  ConnectorApplied: {
    good: {
      definition: {
        name: 'notes',
        kind: 'folder',
        intervalMs: 60_000,
        tags: [],
        context: null,
        ratePerSecond: 0,
        retry: { attempts: 5, backoffMs: 1000, maxBackoffMs: 300_000 },
        settings: { path: '/srv/notes' },
      },
      definitionCid: 'bafyreidef',
    },
    bad: { definition: { name: 'notes', kind: 'folder' }, definitionCid: 'bafyreidef' },
  },
  ConnectorPaused: { good: { reason: null }, bad: { reason: 5 } },
  ConnectorResumed: { good: { reason: 'fixed' }, bad: {} },
  ConnectorRemoved: { good: { reason: null }, bad: { reason: false } },
  ConnectorFailed: {
    good: { reason: 'The server refused the login.', code: 'INVALID_CONFIG', failures: 2 },
    bad: { reason: 'The server refused the login.', code: 'INVALID_CONFIG' },
  },
  ConnectorCheckpointed: {
    good: {
      cursor: { uidValidity: 7, lastUid: 42 },
      counts: { stored: 3, linked: 0, seenAgain: 1, failed: 0, removed: 0 },
      pollCompleted: true,
    },
    bad: { cursor: null, counts: { stored: 3 }, pollCompleted: true },
  },
  ConnectorRewound: {
    good: { toPosition: 12, cursor: null, reason: null },
    bad: { toPosition: 'twelve', cursor: null, reason: null },
  },
  ConnectorItemFailed: {
    good: { source: 'https://x.test/a', reason: 'The page was over the size limit.', attempts: 5 },
    bad: { source: 'https://x.test/a', reason: null, attempts: 5 },
  },
  ConnectorDeadLettersRetried: {
    good: { sources: ['https://x.test/a'], toPosition: 0, cursor: null },
    bad: { sources: 'https://x.test/a', toPosition: 0, cursor: null },
  },
  UnitSeenAgain: {
    good: { unitCid, documentId: 'dabc', contentCid: unitCid, connector: 'notes' },
    bad: { unitCid, documentId: 'dabc' },
  },
  SourceRemoved: {
    good: { documentId: 'dabc', source: 'file:///srv/notes/a.md', connector: 'notes' },
    bad: { documentId: 'dabc', source: 5, connector: 'notes' },
  },
};

function recorded(type: string, data: JsonValue): RecordedEvent {
  return recordedEvent(type, data, { domain: 'd' });
}

test('every catalogued type reads back what its writers record and refuses malformed data', () => {
  assert.deepEqual(Object.keys(samples).sort(), EVENT_CATALOGUE.map((e) => e.type).sort());
  for (const definition of EVENT_CATALOGUE) {
    const { good, bad } = samples[definition.type]!;
    assert.deepEqual(definition.parse(recorded(definition.type, good)), good, definition.type);
    const refused = definition.safeParse(recorded(definition.type, bad));
    assert.equal(refused.ok, false, `${definition.type} accepted ${JSON.stringify(bad)}`);
  }
});

test('a policy recorded before rehydrate existed reads with its default', () => {
  const StoragePolicyApplied = eventTypeOf('StoragePolicyApplied')!;
  const older = { name: 'age-out', rules: [{ from: 'hot', to: 'warm' }] };
  assert.deepEqual(StoragePolicyApplied.parse(recorded('StoragePolicyApplied', older)), {
    name: 'age-out',
    rules: [{ from: 'hot', to: 'warm', when: {}, keepCopy: false }],
    rehydrate: false,
  });
});

test('an annotation recorded one per step, before 2026-11-25, still reads', () => {
  const UnitAnnotated = eventTypeOf('UnitAnnotated')!;
  const older = {
    unitCid: 'bafkreiabc',
    tags: ['invoice'],
    textCid: null,
    relations: [],
    producedBy: { processor: 'classify-rules@1.0.0', pipeline: 'docs', step: 'tags' },
  };
  assert.deepEqual(UnitAnnotated.parse(recorded('UnitAnnotated', older)), older);
});
