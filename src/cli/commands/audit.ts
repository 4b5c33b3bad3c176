import type { AuditPage } from '../../api/schemas/index.js';
import { callNode, nodeUrl } from '../client.js';
import { printJson } from '../output.js';

/** `cim audit`: the changes people made, newest first. */
export async function audit(options: {
  url?: string;
  json?: boolean;
  actor?: string;
  type?: string;
  after?: string;
  limit?: string;
}): Promise<void> {
  const params = new URLSearchParams();
  if (options.actor !== undefined) params.set('actor', options.actor);
  if (options.type !== undefined) params.set('type', options.type);
  if (options.after !== undefined) params.set('after', options.after);
  if (options.limit !== undefined) params.set('limit', options.limit);
  const query = params.size > 0 ? `?${params}` : '';
  const page = await callNode<AuditPage>(nodeUrl(options.url), `/api/audit${query}`);
  if (options.json) return printJson(page);
  if (page.entries.length === 0) {
    process.stdout.write('No change is recorded that matches.\n');
    return;
  }
  for (const e of page.entries) {
    // A summary quotes names people chose: control characters are shown, never sent to the terminal.
    const summary = JSON.stringify(e.summary).slice(1, -1);
    process.stdout.write(
      `${e.occurredAt}  ${e.actor.padEnd(20)} ${e.type.padEnd(22)} ${summary}\n`,
    );
  }
}
