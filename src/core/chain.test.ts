import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChainVerifier } from './chain.js';
import { sealEnvelope } from './envelope.js';
import type { EventEnvelope } from './envelope.js';
import { newId } from './ids.js';

const subject = 'cim.events.notes.Note.n1';

function make(version: number, prev: string | null): EventEnvelope {
  return {
    id: newId(),
    type: 'NoteWritten',
    domain: 'notes',
    aggregate: 'Note',
    aggregateId: 'n1',
    version,
    occurredAt: new Date(0).toISOString(),
    actor: 'test',
    correlationId: newId(),
    causationId: null,
    prev,
    data: { version },
  };
}

test('a sound chain has no problems', () => {
  const verifier = new ChainVerifier();
  const one = sealEnvelope(make(1, null));
  const two = sealEnvelope(make(2, one.cid));
  assert.deepEqual(verifier.accept(1, subject, one.body, one.cid), []);
  assert.deepEqual(verifier.accept(2, subject, two.body, two.cid), []);
  assert.deepEqual(verifier.stats, { events: 2, aggregates: 1 });
});

function started(): { verifier: ChainVerifier; first: { body: Uint8Array; cid: string } } {
  const verifier = new ChainVerifier();
  const first = sealEnvelope(make(1, null));
  verifier.accept(1, subject, first.body, first.cid);
  return { verifier, first };
}

const kinds = (problems: { kind: string }[]) => problems.map((p) => p.kind).sort();

test('a tampered body is a CID mismatch', () => {
  const { verifier, first } = started();
  const honest = sealEnvelope(make(2, first.cid));
  const tampered = new TextEncoder().encode(
    new TextDecoder().decode(honest.body).replace('"data":{"version":2}', '"data":{"version":7}'),
  );
  assert.deepEqual(kinds(verifier.accept(2, subject, tampered, honest.cid)), ['cid_mismatch']);
});

test('a version gap, a wrong prev and a foreign subject are each reported', () => {
  const gap = started();
  const skipped = sealEnvelope(make(3, gap.first.cid));
  assert.deepEqual(kinds(gap.verifier.accept(2, subject, skipped.body, skipped.cid)), [
    'version_gap',
  ]);

  const wrongPrev = started();
  const stray = sealEnvelope(make(2, sealEnvelope(make(1, null)).cid));
  assert.deepEqual(kinds(wrongPrev.verifier.accept(2, subject, stray.body, stray.cid)), [
    'prev_mismatch',
  ]);

  const foreign = new ChainVerifier();
  const other = sealEnvelope(make(1, null));
  assert.deepEqual(kinds(foreign.accept(1, 'cim.events.notes.Note.n2', other.body, other.cid)), [
    'subject_mismatch',
  ]);
});
