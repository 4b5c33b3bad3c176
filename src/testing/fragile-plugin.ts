/**
 * Source of a plugin whose processor `fragile-count` fails on text holding POISON until the file
 * named by its `fixedFlag` parameter exists: dead letters on demand, and a fix to retry them.
 */
export const FRAGILE_PLUGIN = `import { existsSync } from 'node:fs';
export default {
  name: 'fragile',
  version: '1.0.0',
  cimApi: '^1.0.0',
  provides: {
    processors: {
      'fragile-count': {
        version: '1.0.0',
        description: 'counts words, but chokes on poison',
        parameters: { fixedFlag: { type: 'string' } },
        async run(input) {
          const text = input.text ?? Buffer.from(await input.content()).toString('utf8');
          if (text.includes('POISON') && !existsSync(input.parameters.fixedFlag)) {
            throw new Error('poison found in ' + input.unit.name);
          }
          return { metadata: { words: text.split(/\\s+/).length } };
        },
      },
    },
  },
};
`;
