import type {
  AppendDecision,
  AppendOutcome,
  AppendStep,
  ServerStep,
  Steps,
} from './append-steps.js';
import type { AppendResult } from './event-store.js';
import type { HeadCache } from './head-cache.js';

/** Performs the steps of the append protocol that need the server (all but `forgetHead`). */
export type AppendAdapter = (step: ServerStep) => AppendOutcome | Promise<AppendOutcome>;

/**
 * Runs one append's protocol to its end: each step goes to `perform`, its outcome back to the
 * protocol; the aggregate's head in `heads` is forgotten and remembered as the protocol says.
 * Outcomes that are ready at once are fed back at once, so a publish whose ack arrives settles
 * the append in the same callback (no async frames between the ack and the caller, which on a
 * busy writer decides how well publishes batch into socket writes).
 */
export function driveAppend(
  protocol: Steps<AppendDecision>,
  subject: string,
  heads: HeadCache,
  perform: AppendAdapter,
): Promise<AppendResult> {
  try {
    return Promise.resolve(advance(protocol, subject, heads, perform, protocol.next()));
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

function advance(
  protocol: Steps<AppendDecision>,
  subject: string,
  heads: HeadCache,
  perform: AppendAdapter,
  next: IteratorResult<AppendStep, AppendDecision>,
): AppendResult | Promise<AppendResult> {
  while (!next.done) {
    const step = next.value;
    if (step.kind === 'forgetHead') {
      heads.delete(subject);
      next = protocol.next({ kind: 'forgotten' });
      continue;
    }
    const outcome = perform(step);
    if (outcome instanceof Promise) {
      return outcome.then((o) => advance(protocol, subject, heads, perform, protocol.next(o)));
    }
    next = protocol.next(outcome);
  }
  const { result, head } = next.value;
  if (head) heads.set(subject, head);
  return result;
}
