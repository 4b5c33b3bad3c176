import { InvalidInputError } from './errors.js';

/** The stream that holds every event. */
export const EVENTS_STREAM = 'CIM_EVENTS';
/** Subject prefix of every event. */
export const EVENTS_PREFIX = 'cim.events';
/** Subject prefix of every request/reply API operation. */
export const API_PREFIX = 'cim.api';

/**
 * A subject token: letters, digits, `_`, `-`, `:`, `@`, `+`, `=`, `~`, 1–128 characters.
 * Dots, wildcards and whitespace would change the meaning of a subject, so they are refused.
 */
const TOKEN = /^[A-Za-z0-9_\-:@+=~]{1,128}$/;

/** Returns the reason `token` is not a valid subject token, or undefined when it is. */
export function tokenProblem(token: string): string | undefined {
  if (TOKEN.test(token)) return undefined;
  if (token.length === 0) return 'is empty';
  if (token.length > 128) return 'is longer than 128 characters';
  return 'may only hold letters, digits and _ - : @ + = ~ (no dots, spaces or wildcards)';
}

/** Throws InvalidInputError unless `token` is a valid subject token. */
export function assertToken(kind: string, token: string): string {
  const problem = tokenProblem(token);
  if (problem !== undefined) {
    throw new InvalidInputError(
      `The ${kind} ${JSON.stringify(token)} ${problem}: choose a different ${kind}.`,
    );
  }
  return token;
}

/** Identifies one aggregate: its domain, its type and its id. */
export interface AggregateRef {
  readonly domain: string;
  readonly aggregate: string;
  readonly aggregateId: string;
}

/** `cim.events.<domain>.<aggregate>.<aggregateId>`, every token validated. */
export function eventSubject(ref: AggregateRef): string {
  assertToken('domain', ref.domain);
  assertToken('aggregate type', ref.aggregate);
  assertToken('aggregate id', ref.aggregateId);
  return `${EVENTS_PREFIX}.${ref.domain}.${ref.aggregate}.${ref.aggregateId}`;
}

/** A filter over event subjects; omitted tokens match anything. */
export function eventFilter(filter: Partial<AggregateRef>): string {
  const tok = (kind: string, value: string | undefined) =>
    value === undefined ? '*' : assertToken(kind, value);
  if (
    filter.domain === undefined &&
    filter.aggregate === undefined &&
    filter.aggregateId === undefined
  ) {
    return `${EVENTS_PREFIX}.>`;
  }
  return `${EVENTS_PREFIX}.${tok('domain', filter.domain)}.${tok('aggregate type', filter.aggregate)}.${tok('aggregate id', filter.aggregateId)}`;
}

/** Splits an event subject back into its aggregate reference, or undefined if it is not one. */
export function parseEventSubject(subject: string): AggregateRef | undefined {
  const parts = subject.split('.');
  if (parts.length !== 5 || parts[0] !== 'cim' || parts[1] !== 'events') return undefined;
  const [, , domain, aggregate, aggregateId] = parts;
  if (domain === undefined || aggregate === undefined || aggregateId === undefined)
    return undefined;
  return { domain, aggregate, aggregateId };
}

/** `cim.api.<component>.<operation>`, tokens validated. */
export function apiSubject(component: string, operation: string): string {
  return `${API_PREFIX}.${assertToken('component', component)}.${assertToken('operation', operation)}`;
}

/** True when the event subject `subject` is one of the aggregates `filter` selects. */
export function subjectMatchesFilter(subject: string, filter: Partial<AggregateRef>): boolean {
  const ref = parseEventSubject(subject);
  if (ref === undefined) return false;
  return (
    (filter.domain === undefined || filter.domain === ref.domain) &&
    (filter.aggregate === undefined || filter.aggregate === ref.aggregate) &&
    (filter.aggregateId === undefined || filter.aggregateId === ref.aggregateId)
  );
}
