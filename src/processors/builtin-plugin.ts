import { definePlugin } from '../plugins/plugin-api.js';
import { chunk } from './chunk.js';
import { classifyRules } from './classify-rules.js';
import { extractEmail } from './extract-email.js';
import { extractLinks } from './extract-links.js';
import { extractMetadata } from './extract-metadata.js';
import { extractText } from './extract-text.js';

/**
 * CIM's own processors, written as a plugin like any other so they go through the same
 * validation, capability negotiation and versioning as third-party ones.
 */
export const builtinPlugin = definePlugin({
  name: 'cim-builtin',
  version: '1.0.0',
  cimApi: '^1.0.0',
  description:
    'The processors CIM ships with: text, metadata, chunks, rule tags, links and email messages.',
  provides: {
    processors: {
      'extract-text': extractText,
      'extract-metadata': extractMetadata,
      chunk,
      'classify-rules': classifyRules,
      'extract-links': extractLinks,
      'extract-email': extractEmail,
    },
  },
});
