import { definePlugin } from '../../plugins/plugin-api.js';
import { webhookConnector } from './webhook/webhook-connector.js';

/**
 * The connector kinds CIM ships with, as the built-in plugin `cim-hub` (loaded before the
 * configured plugins, like `cim-builtin`'s processors). Each kind lives in its own folder.
 */
export const hubPlugin = definePlugin({
  name: 'cim-hub',
  version: '1.0.0',
  cimApi: '^1.0.0',
  description: 'The connector kinds CIM ships with.',
  provides: {
    connectors: {
      webhook: webhookConnector,
    },
  },
});
