import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../core/errors.js';
import type { DagStep } from './dag.js';
import { assertDag, dependents, findCycle, roots, topologicalOrder } from './dag.js';

const step = (id: string, ...after: string[]): DagStep => ({ id, after });

test('the topological order follows after edges, definition order among ready steps', () => {
  const steps = [
    step('link', 'extract'),
    step('classify', 'extract'),
    step('extract'),
    step('meta', 'classify', 'link'),
  ];
  assert.deepEqual(
    topologicalOrder(steps).map((s) => s.id),
    ['extract', 'link', 'classify', 'meta'],
  );
});

test('roots and dependents list steps in definition order', () => {
  const steps = [step('a'), step('b', 'a'), step('c'), step('d', 'a', 'c')];
  assert.deepEqual(
    roots(steps).map((s) => s.id),
    ['a', 'c'],
  );
  assert.deepEqual(
    dependents(steps, 'a').map((s) => s.id),
    ['b', 'd'],
  );
  assert.deepEqual(dependents(steps, 'b'), []);
});

test('no steps, a repeated id, a missing target and a repeated after entry are refused', () => {
  assert.throws(
    () => assertDag([], 'p.yaml'),
    /^InvalidInputError: p\.yaml: steps: a pipeline needs at least one step/,
  );
  assert.throws(
    () => assertDag([step('a'), step('a')], 'p.yaml'),
    /p\.yaml: steps\[1\]\.id: the id "a" is already used by steps\[0\]/,
  );
  assert.throws(
    () => assertDag([step('a'), step('b', 'a', 'x')], 'p.yaml'),
    /p\.yaml: steps\[1\]\.after\[1\]: step "b" runs after "x", but no step has that id/,
  );
  assert.throws(
    () => assertDag([step('a'), step('b', 'a', 'a')], 'p.yaml'),
    /steps\[1\]\.after\[1\]: step "b" lists "a" twice/,
  );
});

test('a cycle is named in data-flow order from its earliest step', () => {
  // a runs after c, b after a, c after b: data flows a -> b -> c -> a.
  const steps = [step('start'), step('a', 'start', 'c'), step('b', 'a'), step('c', 'b')];
  assert.deepEqual(findCycle(steps), ['a', 'b', 'c', 'a']);
  assert.throws(
    () => assertDag(steps, 'p.yaml'),
    (err: unknown) =>
      err instanceof InvalidInputError &&
      err.message ===
        'p.yaml: steps: a -> b -> c -> a is a cycle (each step runs after the one before it): remove one of those after entries.',
  );
  assert.deepEqual(findCycle([step('self', 'self')]), ['self', 'self']);
  assert.equal(findCycle([step('a'), step('b', 'a')]), undefined);
  assert.throws(() => topologicalOrder(steps), /a -> b -> c -> a form a cycle/);
});
