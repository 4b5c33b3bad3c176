import { definePlugin } from '../../plugins/plugin-api.js';
import { feedConnector } from './feed/feed-connector.js';
import { folderConnector } from './folder/folder-connector.js';
import { gitConnector } from './git/git-connector.js';
import { mailConnector } from './mail/mail-connector.js';
import { s3Connector } from './s3/s3-connector.js';
import { webConnector } from './web/web-connector.js';
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
      folder: folderConnector,
      s3: s3Connector,
      git: gitConnector,
      feed: feedConnector,
      web: webConnector,
      mail: mailConnector,
      webhook: webhookConnector,
    },
  },
});
