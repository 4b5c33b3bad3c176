import { z } from 'zod';
import { describeIssue, firstIssue } from '../../../core/zod-issue.js';
import type { ConnectorJson } from '../../../plugins/plugin-api.js';

/** An absolute http or https URL, as the feed and web connectors' `url` setting takes. */
export const httpUrlSchema = z
  .string()
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an absolute http or https URL')
  .transform((value) => {
    const url = new URL(value);
    url.hash = '';
    return url.href;
  });

/**
 * Checks connector settings against `schema` the way `ConnectorDefinition.checkSettings` answers:
 * the settings with defaults, or one sentence naming the field as `settings.<field>`.
 */
export function checkConnectorSettings(
  schema: z.ZodType<Record<string, ConnectorJson>>,
  settings: Readonly<Record<string, unknown>>,
):
  | { readonly ok: true; readonly settings: Record<string, ConnectorJson> }
  | { readonly ok: false; readonly error: string } {
  const parsed = schema.safeParse(settings);
  if (parsed.success) return { ok: true, settings: parsed.data };
  const issue = firstIssue(parsed.error);
  const described = describeIssue(
    { ...issue, path: ['settings', ...issue.path] },
    { input: { settings }, advise: true },
  );
  return { ok: false, error: `${described}.` };
}
