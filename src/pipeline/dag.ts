import { InvalidInputError } from '../core/errors.js';

/** The part of a step the DAG needs: its id and the ids of the steps it runs after. */
export interface DagStep {
  readonly id: string;
  readonly after: readonly string[];
}

/**
 * Throws InvalidInputError, prefixed with `where` (a file name or "the request"), unless the steps
 * form a DAG: at least one step, unique ids, every `after` naming an existing step once, no cycle.
 */
export function assertDag(steps: readonly DagStep[], where: string): void {
  if (steps.length === 0) {
    throw new InvalidInputError(`${where}: steps: a pipeline needs at least one step: add one.`);
  }
  const index = new Map<string, number>();
  steps.forEach((step, i) => {
    const first = index.get(step.id);
    if (first !== undefined) {
      throw new InvalidInputError(
        `${where}: steps[${i}].id: the id ${JSON.stringify(step.id)} is already used by steps[${first}]: give each step its own id.`,
      );
    }
    index.set(step.id, i);
  });
  steps.forEach((step, i) => {
    const seen = new Set<string>();
    step.after.forEach((dep, j) => {
      if (!index.has(dep)) {
        throw new InvalidInputError(
          `${where}: steps[${i}].after[${j}]: step ${JSON.stringify(step.id)} runs after ${JSON.stringify(dep)}, but no step has that id: fix the id or add the step.`,
        );
      }
      if (seen.has(dep)) {
        throw new InvalidInputError(
          `${where}: steps[${i}].after[${j}]: step ${JSON.stringify(step.id)} lists ${JSON.stringify(dep)} twice: remove the repeat.`,
        );
      }
      seen.add(dep);
    });
  });
  const cycle = findCycle(steps);
  if (cycle !== undefined) {
    throw new InvalidInputError(
      `${where}: steps: ${cycle.join(' -> ')} is a cycle (each step runs after the one before it): remove one of those after entries.`,
    );
  }
}

/**
 * A cycle as step ids in the order data flows, starting and ending at the earliest-defined step
 * in it, or undefined when there is none. Assumes every `after` id exists.
 */
export function findCycle(steps: readonly DagStep[]): string[] | undefined {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const order = new Map(steps.map((s, i) => [s.id, i]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];

  // Walks "runs after" edges depth-first; meeting a step still on the stack closes a cycle.
  const visit = (id: string): string[] | undefined => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of byId.get(id)?.after ?? []) {
      const seen = state.get(dep);
      if (seen === 'visiting') return stack.slice(stack.indexOf(dep));
      if (seen === undefined) {
        const found = visit(dep);
        if (found !== undefined) return found;
      }
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };

  for (const step of steps) {
    if (state.has(step.id)) continue;
    const found = visit(step.id);
    if (found === undefined) continue;
    // The stack follows "runs after"; reversed it follows the data, which is how people read it.
    const flow = found.reverse();
    let start = 0;
    flow.forEach((id, i) => {
      if ((order.get(id) ?? 0) < (order.get(flow[start]!) ?? 0)) start = i;
    });
    const rotated = [...flow.slice(start), ...flow.slice(0, start)];
    return [...rotated, rotated[0]!];
  }
  return undefined;
}

/**
 * The steps in an order where each comes after everything it runs after. Among steps that are
 * ready at the same time, definition order wins, so the order is stable across runs and hosts.
 * Throws InvalidInputError on a cycle or a missing id (validated definitions have neither).
 */
export function topologicalOrder<S extends DagStep>(steps: readonly S[]): S[] {
  const done = new Set<string>();
  const pending = [...steps];
  const out: S[] = [];
  while (pending.length > 0) {
    const next = pending.findIndex((s) => s.after.every((dep) => done.has(dep)));
    if (next < 0) {
      const cycle = findCycle(steps);
      throw new InvalidInputError(
        cycle !== undefined
          ? `The steps ${cycle.join(' -> ')} form a cycle: remove one of those after entries.`
          : `A step runs after a step that does not exist: validate the pipeline first.`,
      );
    }
    const [step] = pending.splice(next, 1);
    done.add(step!.id);
    out.push(step!);
  }
  return out;
}

/** The steps that run first: those with nothing in `after`, in definition order. */
export function roots<S extends DagStep>(steps: readonly S[]): S[] {
  return steps.filter((s) => s.after.length === 0);
}

/** The steps that run directly after step `id`, in definition order. */
export function dependents<S extends DagStep>(steps: readonly S[], id: string): S[] {
  return steps.filter((s) => s.after.includes(id));
}
