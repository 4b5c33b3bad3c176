import { z } from 'zod';
import { AUDIT_RULES } from '../../core/audit.js';
import type { AuditRule } from '../../core/audit.js';
import type { RecordedEvent } from '../../core/envelope.js';
import type { EventStore } from '../../events/event-store.js';
import { defineOperation } from '../operation.js';
import { auditPageSchema } from '../schemas/audit.js';
import type { AuditEntry } from '../schemas/audit.js';

/** Events read from the store per request while scanning an audited aggregate. */
const PAGE = 1000;

/** Whether `actor` is the one asked for: exact, or any with a prefix when it ends in `*`. */
function actorMatches(actor: string, wanted: string | undefined): boolean {
  if (wanted === undefined) return true;
  return wanted.endsWith('*') ? actor.startsWith(wanted.slice(0, -1)) : actor === wanted;
}

/** Every event of one audited domain and aggregate before position `before`, oldest first. */
async function* eventsOf(
  store: EventStore,
  domain: string,
  aggregate: string,
  before: number,
): AsyncGenerator<RecordedEvent> {
  for (let after = 0; ;) {
    const page = await store.readAll({ after, limit: PAGE, filter: { domain, aggregate } });
    for (const recorded of page) {
      if (recorded.position >= before) return;
      yield recorded;
    }
    const last = page[page.length - 1];
    if (last === undefined || page.length < PAGE) return;
    after = last.position;
  }
}

/**
 * `GET /api/audit?actor&type&after&before&limit`: the changes people made (core/audit.ts says
 * which event types), newest first, each with a one-line summary.
 */
export const listAudit = defineOperation({
  component: 'events',
  name: 'audit',
  summary: 'The audit trail: changes people made, newest first, filtered by actor and type.',
  access: 'admin',
  http: { method: 'GET', path: '/api/audit' },
  input: z.object({
    /** An actor (`user:ana`), or a prefix ending in `*` (`token:*`). */
    actor: z.string().min(1).max(256).optional(),
    type: z.string().min(1).max(128).optional(),
    /** Only changes at or after this time (ISO 8601). */
    after: z.iso.datetime({ offset: true }).optional(),
    /** Only changes before this stream position: the previous page's `next`. */
    before: z.coerce.number().int().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  }),
  output: auditPageSchema,
  async handle(input, ctx) {
    const rules = AUDIT_RULES.filter((r) => input.type === undefined || r.type === input.type);
    const where = new Map<string, AuditRule[]>();
    for (const rule of rules) {
      const key = `${rule.domain}.${rule.aggregate}`;
      where.set(key, [...(where.get(key) ?? []), rule]);
    }
    const since = input.after === undefined ? undefined : Date.parse(input.after);
    const found: AuditEntry[] = [];
    for (const [key, kept] of where) {
      const [domain = '', aggregate = ''] = key.split('.');
      const byType = new Map(kept.map((r) => [r.type, r]));
      for await (const recorded of eventsOf(
        ctx.store,
        domain,
        aggregate,
        input.before ?? Infinity,
      )) {
        const { event } = recorded;
        const rule = byType.get(event.type);
        if (rule === undefined || !rule.includes(event)) continue;
        if (!actorMatches(event.actor, input.actor)) continue;
        if (since !== undefined && Date.parse(event.occurredAt) < since) continue;
        found.push({
          position: recorded.position,
          id: event.id,
          type: event.type,
          occurredAt: event.occurredAt,
          actor: event.actor,
          domain: event.domain,
          aggregate: event.aggregate,
          aggregateId: event.aggregateId,
          summary: rule.summary(recorded),
        });
      }
    }
    found.sort((a, b) => b.position - a.position);
    const entries = found.slice(0, input.limit);
    const more = found.length > input.limit;
    return {
      entries,
      next: more ? entries[entries.length - 1]!.position : null,
      types: AUDIT_RULES.map((r) => r.type),
    };
  },
});
