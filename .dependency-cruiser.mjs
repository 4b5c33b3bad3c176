// The import direction of docs/architecture.md ("Dependencies point one way") as
// dependency-cruiser rules, checked by src/architecture.test.ts in the test command
// (decision 0010). Each folder of src lists the folders it may import; anything else is an
// error. Tests, contract suites' harnesses (src/testing) and bench may use anything.

/** Folder → the other folders of src it may import. */
const MAY_IMPORT = {
  core: [],
  deploy: ['core'],
  nats: ['core'],
  events: ['core', 'nats'],
  registry: ['core', 'nats'],
  auth: ['core', 'nats', 'events'],
  storage: ['core', 'nats', 'events'],
  units: ['core', 'nats', 'events', 'storage', 'registry'],
  knowledge: ['core', 'nats', 'events', 'storage', 'registry', 'units'],
  plugins: ['core', 'nats', 'events', 'storage', 'registry', 'units'],
  processors: ['core', 'nats', 'events', 'storage', 'registry', 'units', 'knowledge', 'plugins'],
  pipeline: [
    ...['core', 'nats', 'events', 'storage', 'registry', 'units', 'knowledge', 'plugins'],
    'processors',
  ],
  hub: ['core', 'nats', 'events', 'storage', 'registry', 'units', 'knowledge', 'plugins'],
  cluster: ['core', 'nats', 'events', 'storage', 'registry', 'deploy'],
  api: [
    ...['core', 'nats', 'events', 'storage', 'registry', 'units', 'knowledge', 'plugins'],
    ...['processors', 'pipeline', 'hub'],
    'auth',
  ],
  runtime: [
    ...['core', 'nats', 'events', 'storage', 'registry', 'units', 'knowledge', 'plugins'],
    ...['processors', 'pipeline', 'hub', 'api'],
    'auth',
  ],
  cli: [
    ...['core', 'nats', 'events', 'storage', 'registry', 'units', 'knowledge', 'plugins'],
    ...['processors', 'pipeline', 'hub', 'api', 'runtime', 'cluster', 'deploy'],
    'auth',
  ],
};

/** Tests check a layer through the ones above it (an integration test drives the CLI). */
const TESTS = '\\.test\\.ts$';

/** Node modules that reach outside the process: core stays pure (decision 0001). */
const IO_MODULES = [
  'fs',
  'fs/promises',
  'net',
  'tls',
  'http',
  'https',
  'http2',
  'dgram',
  'dns',
  'child_process',
  'worker_threads',
  'cluster',
  'readline',
];

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    ...Object.entries(MAY_IMPORT).map(([folder, allowed]) => ({
      name: `${folder}-imports-only-below`,
      comment: `src/${folder} may import only ${allowed.length ? allowed.map((f) => `src/${f}`).join(', ') : 'npm packages'} (docs/architecture.md)`,
      severity: 'error',
      from: { path: `^src/${folder}/`, pathNot: TESTS },
      to: {
        path: '^(src|bench|web|scripts)/',
        pathNot: `^(src/(${[folder, ...allowed].join('|')})/)`,
      },
    })),
    {
      name: 'src-top-level-is-tests-only',
      comment: 'Every module of src belongs to one of the folders the direction names',
      severity: 'error',
      from: { path: '^src/[^/]+$', pathNot: TESTS },
      to: { path: '^(src|bench|web|scripts)/' },
    },
    {
      name: 'unknown-folder',
      comment: 'A new folder of src must be placed in the direction (MAY_IMPORT) before it is used',
      severity: 'error',
      from: {
        path: '^src/[^/]+/',
        pathNot: [`^src/(${[...Object.keys(MAY_IMPORT), 'testing'].join('|')})/`, TESTS],
      },
      to: {},
    },
    {
      name: 'core-has-no-io',
      comment: 'src/core is pure: no file system, network, processes or threads',
      severity: 'error',
      from: { path: '^src/core/', pathNot: TESTS },
      to: {
        dependencyTypes: ['core'],
        path: `^(node:)?(${IO_MODULES.join('|')})$`,
      },
    },
    {
      name: 'web-imports-only-the-shared-schemas',
      comment: 'web/ talks to the node only through the HTTP API; it shares src/api/schemas alone',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^(src|bench|scripts)/', pathNot: '^src/api/schemas/' },
    },
    {
      name: 'no-circular',
      comment:
        'Modules that load each other cannot be layered or loaded lazily (types may refer back)',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
