import type { ConnectorDefinition } from '../../../plugins/plugin-api.js';

/** Largest body a webhook takes when its definition gives no `maxBytes` (10 MiB). */
export const WEBHOOK_DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

/**
 * The `webhook` kind: the source pushes. `POST /api/hooks/{name}` (served by the ui, see
 * webhook-route.ts) checks the request and takes its body as a unit through the hub's sink;
 * the session's poll only checkpoints, so a webhook nobody calls is still healthy.
 * Settings: `secretFile` (HMAC-SHA256, `X-Hub-Signature-256`) or `tokenFile` (bearer), and
 * `maxBytes`.
 */
export const webhookConnector: ConnectorDefinition = {
  version: '1.0.0',
  description: 'Takes the body of each signed POST /api/hooks/{name} as a unit.',
  defaultIntervalMs: 60_000,
  checkSettings(settings) {
    const { secretFile, tokenFile, maxBytes, ...rest } = settings;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) {
      return {
        ok: false,
        error: `settings.${extra}: unknown setting: a webhook takes secretFile or tokenFile, and maxBytes.`,
      };
    }
    for (const [field, value] of [
      ['secretFile', secretFile],
      ['tokenFile', tokenFile],
    ] as const) {
      if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
        return { ok: false, error: `settings.${field}: expected the path of a credential file.` };
      }
    }
    if ((secretFile === undefined) === (tokenFile === undefined)) {
      return {
        ok: false,
        error:
          'settings.secretFile: a webhook needs exactly one of secretFile (HMAC signatures) or tokenFile (a bearer token).',
      };
    }
    if (
      maxBytes !== undefined &&
      (typeof maxBytes !== 'number' || !Number.isInteger(maxBytes) || maxBytes < 1)
    ) {
      return { ok: false, error: 'settings.maxBytes: expected a whole number of bytes above 0.' };
    }
    return {
      ok: true,
      settings: {
        ...(typeof secretFile === 'string' ? { secretFile } : {}),
        ...(typeof tokenFile === 'string' ? { tokenFile } : {}),
        maxBytes: typeof maxBytes === 'number' ? maxBytes : WEBHOOK_DEFAULT_MAX_BYTES,
      },
    };
  },
  open() {
    return {
      poll: async (cursor) => cursor ?? 0,
    };
  },
};
