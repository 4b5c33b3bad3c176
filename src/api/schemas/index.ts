/**
 * The API's one schema module: the shape of every reply (and of the inputs and byte-moving routes
 * described beside the operations), shared by the server, the CLI and the web app. Only zod and
 * pure code: the web app imports its types from here.
 */
export * from './archive.js';
export * from './audit.js';
export * from './auth.js';
export * from './backup.js';
export * from './components.js';
export * from './connectors.js';
export * from './events.js';
export * from './health.js';
export * from './pipelines.js';
export * from './problem.js';
export * from './registry.js';
export * from './storage.js';
export * from './units.js';
