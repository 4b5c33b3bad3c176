import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPONENTS } from '../../core/components.js';
import {
  componentPermissions,
  covers,
  nodePermissions,
  pluginInbox,
  pluginPermissions,
} from './permissions.js';

/** Whether a user with these allow lists may use `subject`. */
const allowed = (list: readonly string[], subject: string) => list.some((p) => covers(p, subject));

test('covers follows NATS wildcards: * one token, > one or more at the end', () => {
  assert.equal(covers('cim.events.>', 'cim.events.unit.Unit.x'), true);
  assert.equal(covers('cim.events.>', 'cim.events'), false);
  assert.equal(covers('$JS.API.STREAM.*.CIM_EVENTS', '$JS.API.STREAM.INFO.CIM_EVENTS'), true);
  assert.equal(covers('$JS.API.STREAM.*.CIM_EVENTS', '$JS.API.STREAM.MSG.GET.CIM_EVENTS'), false);
  assert.equal(covers('a.*', 'a.>'), false);
  assert.equal(covers('a.>', 'a.*'), true);
});

test('only events, units and pipeline may publish events; ui and registry may not', () => {
  for (const c of COMPONENTS) {
    const writes = allowed(componentPermissions(c).pub, 'cim.events.unit.Unit.x');
    assert.equal(writes, c === 'events' || c === 'units' || c === 'pipeline', c);
  }
});

test('the ui may write only sign-in events (domain auth) and sessions; every component reads users and tokens', () => {
  const ui = componentPermissions('ui');
  assert.equal(allowed(ui.pub, 'cim.events.auth.User.ada'), true);
  assert.equal(allowed(ui.pub, 'cim.events.units.Document.x'), false);
  assert.equal(allowed(ui.pub, '$KV.cim-auth-sessions.abc'), true);
  assert.equal(allowed(ui.pub, '$KV.cim-auth-tokens.abc'), false);
  for (const c of COMPONENTS)
    assert.equal(
      allowed(
        componentPermissions(c).pub,
        '$JS.API.DIRECT.GET.KV_cim-auth-tokens.$KV.cim-auth-tokens.abc',
      ),
      true,
      c,
    );
});

test("the ui's user reaches the other components through cim.api.> and never the content", () => {
  const ui = componentPermissions('ui');
  assert.equal(allowed(ui.pub, 'cim.api.units.list'), true);
  for (const subject of [
    '$JS.API.STREAM.INFO.OBJ_cim-content',
    '$JS.API.CONSUMER.CREATE.OBJ_cim-content',
    '$JS.API.DIRECT.GET.OBJ_cim-content.$O.cim-content.M.x',
    '$O.cim-content.C.x',
    '$JS.API.STREAM.CREATE.CIM_EVENTS',
    '$JS.API.STREAM.PURGE.CIM_EVENTS',
  ])
    assert.equal(allowed(ui.pub, subject), false, subject);
});

test('the node user holds every component permission and nothing more', () => {
  const node = nodePermissions();
  for (const c of COMPONENTS) {
    for (const s of componentPermissions(c).pub) assert.equal(allowed(node.pub, s), true, s);
    for (const s of componentPermissions(c).sub) assert.equal(allowed(node.sub, s), true, s);
  }
  for (const s of node.pub)
    assert.equal(
      COMPONENTS.some((c) => allowed(componentPermissions(c).pub, s)),
      true,
      s,
    );
});

test("a plugin service's user listens on its own subjects and inbox only", () => {
  const p = pluginPermissions('word-count');
  assert.deepEqual(p.sub, [`${pluginInbox('word-count')}.>`, 'cim.plugin.word-count.>']);
  assert.equal(allowed(p.pub, 'cim.events.x.y.z'), false);
  assert.equal(allowed(p.pub, '$KV.cim-registry.word-count.host.1'), true);
  assert.equal(allowed(p.pub, '$KV.cim-registry.units.host.1'), false);
  assert.throws(() => pluginPermissions('a.>'), /plugin name/);
});
