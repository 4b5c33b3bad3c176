import type { z } from 'zod';
import { describeIssue, firstIssue } from '../../core/zod-issue.js';
import type { ConnectorJson } from '../../plugins/plugin-api.js';

/** What `ConnectorDefinition.checkSettings` answers. */
export type SettingsCheck =
  | { readonly ok: true; readonly settings: Record<string, ConnectorJson> }
  | { readonly ok: false; readonly error: string };

/**
 * Checks a connector's settings against its zod schema (defaults applied), answering the
 * refusal as one sentence naming the field as `settings.<field>`, as the hub's refusals do.
 */
export function checkSettingsWith(
  schema: z.ZodType<object>,
  settings: Readonly<Record<string, unknown>>,
): SettingsCheck {
  const parsed = schema.safeParse(settings);
  // Through JSON: the checked settings are recorded in an event, where an absent optional
  // field is left out rather than written as undefined.
  if (parsed.success) {
    return {
      ok: true,
      settings: JSON.parse(JSON.stringify(parsed.data)) as Record<string, ConnectorJson>,
    };
  }
  const issue = firstIssue(parsed.error);
  const described = describeIssue(
    { ...issue, path: ['settings', ...issue.path] },
    { input: { settings }, advise: true },
  );
  return { ok: false, error: `${described.replace(/\.$/, '')}.` };
}
