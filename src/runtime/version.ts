import { readFileSync } from 'node:fs';

/** CIM's version, from package.json (read once; dist/src/runtime → package root is three up). */
export const CIM_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
