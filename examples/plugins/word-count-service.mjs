// An out-of-process CIM plugin in plain JavaScript: no CIM code, only a NATS client. The same
// protocol works from any language with a NATS client (docs/plugins.md, "Out-of-process plugins").
//
//   node examples/plugins/word-count-service.mjs nats://127.0.0.1:4222
//
// On a server with credentials (`cim nats init --plugin word-count`), NATS_CREDS names its
// .creds file; it then uses its own inbox prefix, the only inbox its user may listen on.
//
// It registers the processor `word-count` in the registry (KV bucket cim-registry), heartbeats,
// and answers runs on cim.plugin.word-count.run.
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';

const url = process.argv[2] ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const HEARTBEAT_SECONDS = Number(process.env.HEARTBEAT_SECONDS ?? 5);
const TTL_SECONDS = HEARTBEAT_SECONDS * 3;

const creds = process.env.NATS_CREDS;
const nc = await connect({
  servers: url,
  name: 'word-count plugin service',
  ...(creds
    ? {
        authenticator: credsAuthenticator(readFileSync(creds)),
        inboxPrefix: '_INBOX_plugin_word-count',
      }
    : {}),
});
const registry = await new Kvm(nc).open('cim-registry');
const id = `word-count.${hostname().replace(/[^A-Za-z0-9_=-]/g, '-')}.${process.pid}`;
const record = JSON.stringify({
  id,
  kind: 'plugin-service',
  name: 'word-count',
  version: '1.0.0',
  capabilities: ['processor:word-count'],
  endpoints: ['cim.plugin.word-count.run'],
  host: hostname(),
  pid: process.pid,
  startedAt: new Date().toISOString(),
  ttlSeconds: TTL_SECONDS,
  processors: {
    'word-count': {
      version: '1.0.0',
      description: 'Counts the words of a text and tags long ones.',
      accepts: ['text/*'],
      parameters: { longAfter: { type: 'number', default: 100 } },
    },
  },
});

// The queue group lets several copies of the service share the work.
const sub = nc.subscribe('cim.plugin.word-count.run', { queue: 'cim-plugins' });
(async () => {
  for await (const msg of sub) {
    try {
      const request = msg.json();
      const text =
        request.text ?? Buffer.from(request.contentBase64 ?? '', 'base64').toString('utf8');
      const words = text.split(/\s+/).filter(Boolean).length;
      const tags = words > request.parameters.longAfter ? ['long'] : [];
      msg.respond(JSON.stringify({ output: { tags, metadata: { words } } }));
    } catch (err) {
      msg.respond(JSON.stringify({ error: `word-count failed: ${err.message}` }));
    }
  }
})();

await registry.put(id, record);
const beat = setInterval(
  () => registry.put(id, record).catch(() => undefined),
  HEARTBEAT_SECONDS * 1000,
);

async function stop() {
  clearInterval(beat);
  await registry.delete(id).catch(() => undefined);
  await nc.drain();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdout.write(`word-count plugin service ${id} ready\n`);
