import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AUDIT_RULES, auditRuleOf, isAudited } from './audit.js';
import { eventTypeOf } from './catalogue/catalogue.js';
import type { EventEnvelope, JsonValue, RecordedEvent } from './envelope.js';

function recorded(
  type: string,
  data: JsonValue,
  where: { domain: string; aggregate: string; aggregateId: string },
  actor = 'user:ana',
): RecordedEvent {
  const event: EventEnvelope = {
    id: '0190f1b2-0000-7000-8000-000000000000',
    type,
    version: 1,
    occurredAt: '2026-12-02T00:00:00.000Z',
    actor,
    correlationId: 'c',
    causationId: null,
    prev: null,
    ...where,
    data,
  };
  return { event, cid: 'bafy', position: 7 };
}

const moved = {
  cid: 'bafkreiexample',
  from: 'hot',
  to: 'cold',
  size: 10,
  kept: false,
  verifiedBy: 'read-back',
};
const content = { domain: 'storage', aggregate: 'Content', aggregateId: 'bafkreiexample' };

test('every audited type is a catalogued type, listed once', () => {
  const types = AUDIT_RULES.map((r) => r.type);
  assert.equal(new Set(types).size, types.length);
  for (const type of types) assert.ok(eventTypeOf(type), `${type} is in the catalogue`);
});

test('a tier move by hand is audited, one made by a policy is not', () => {
  const byHand = recorded('ContentTiered', { ...moved, policy: null }, content, 'user:ana');
  const byPolicy = recorded('ContentTiered', { ...moved, policy: 'age' }, content, 'policy:age');
  assert.equal(isAudited(byHand.event), true);
  assert.equal(isAudited(byPolicy.event), false);
  assert.equal(
    auditRuleOf('ContentTiered')?.summary(byHand),
    'moved content bafkreiexample from hot to cold',
  );
});

test('the machine’s own work (runs, ingests, repairs) is not audited', () => {
  for (const type of ['UnitIngested', 'StepCompleted', 'ContentRepaired', 'ContentLost']) {
    assert.equal(auditRuleOf(type), undefined, type);
  }
});

test('a summary reads the data; malformed data is listed with a line saying so', () => {
  const pipeline = { domain: 'pipelines', aggregate: 'Pipeline', aggregateId: 'docs' };
  const paused = recorded('PipelinePaused', { reason: 'disk <full>' }, pipeline);
  assert.equal(auditRuleOf('PipelinePaused')?.summary(paused), 'paused pipeline docs: disk <full>');
  const broken = recorded('PipelinePaused', { reason: 3 }, pipeline);
  assert.equal(
    auditRuleOf('PipelinePaused')?.summary(broken),
    'PipelinePaused on Pipeline docs (its data is malformed)',
  );
});

test('sign-ins, their failures and token changes are in the trail, summed up without secrets', () => {
  const user = { domain: 'auth', aggregate: 'User', aggregateId: 'ana' };
  const failed = recorded(
    'SignInFailed',
    { username: 'ana', address: '10.0.0.7', reason: 'wrong_password' },
    user,
    'user:ana',
  );
  assert.equal(isAudited(failed.event), true);
  assert.equal(
    auditRuleOf('SignInFailed')?.summary(failed),
    'failed sign-in as ana (wrong password) from 10.0.0.7',
  );
  const token = { domain: 'auth', aggregate: 'Token', aggregateId: 'ci' };
  const created = recorded('TokenCreated', { name: 'ci', role: 'reader', expiresAt: null }, token);
  assert.equal(auditRuleOf('TokenCreated')?.summary(created), 'created token ci (reader)');
  for (const type of [
    'UserCreated',
    'UserRoleChanged',
    'TokenRevoked',
    'SignedIn',
    'SignedOut',
    'SessionRevoked',
  ])
    assert.ok(auditRuleOf(type), `${type} is audited`);
});
