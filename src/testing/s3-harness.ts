import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  DeleteObjectCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { UnavailableError } from '../core/errors.js';
import { credentialEnv } from '../storage/tiers/open-tiers.js';

/** Connection settings of a test bucket, in the shape an S3 tier's config takes. */
export interface TestS3Config {
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly forcePathStyle: boolean;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** A prefix of this run's own (`cim-test-<random>/`), so runs sharing a bucket never collide. */
  readonly prefix: string;
}

/** An S3-compatible server for one test file: a local s3rver, or the endpoint the environment gives. */
export interface TestS3 {
  readonly config: TestS3Config;
  /** True when the server came from `CIM_TEST_S3_*` rather than being started here. */
  readonly external: boolean;
  /** A plain SDK client on the same bucket, for tests that look behind a tier's back. */
  client(): S3Client;
  /** Stops the server by PID and removes its folder; on an external endpoint, deletes the prefix. */
  stop(): Promise<void>;
}

const BUCKET = 'cim-test';
/** s3rver's built-in account. */
const S3RVER_KEY = 'S3RVER';

/**
 * Starts a test S3 server. With `CIM_TEST_S3_ENDPOINT`, `CIM_TEST_S3_BUCKET`,
 * `CIM_TEST_S3_ACCESS_KEY_ID` and `CIM_TEST_S3_SECRET_ACCESS_KEY` set (and optionally
 * `CIM_TEST_S3_REGION`), it uses that endpoint (e.g. MinIO) instead; see
 * docs/decisions/0007-s3-test-server.md.
 */
export async function startTestS3(): Promise<TestS3> {
  const prefix = `cim-test-${randomBytes(6).toString('hex')}/`;
  const env = process.env;
  const endpoint = env['CIM_TEST_S3_ENDPOINT'];
  if (endpoint) {
    const config: TestS3Config = {
      endpoint,
      bucket: required('CIM_TEST_S3_BUCKET'),
      region: env['CIM_TEST_S3_REGION'] ?? 'us-east-1',
      forcePathStyle: true,
      credentials: {
        accessKeyId: required('CIM_TEST_S3_ACCESS_KEY_ID'),
        secretAccessKey: required('CIM_TEST_S3_SECRET_ACCESS_KEY'),
      },
      prefix,
    };
    return harness(config, true, () => deletePrefix(config));
  }
  const dir = mkdtempSync(join(tmpdir(), 'cim-s3-'));
  try {
    const { child, port } = await startS3rver(dir);
    const config: TestS3Config = {
      endpoint: `http://127.0.0.1:${port}`,
      bucket: BUCKET,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY },
      prefix,
    };
    const local = harness(config, false, async () => {
      await stopByPid(child);
      rmSync(dir, { recursive: true, force: true });
    });
    // s3rver removes a folder when its last object is deleted; a PUT into that folder at the
    // same moment fails inside s3rver and ends its process (ENOENT, an unhandled stream error).
    // An object that is never deleted keeps the tier's folder in place. Not a CID, so tiers
    // do not list it.
    const client = local.client();
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}content/.s3rver-keep`, Body: '' }),
    );
    return local;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function harness(config: TestS3Config, external: boolean, stop: () => Promise<void>): TestS3 {
  const clients: S3Client[] = [];
  return {
    config,
    external,
    client() {
      const client = new S3Client({
        endpoint: config.endpoint,
        region: config.region,
        forcePathStyle: config.forcePathStyle,
        credentials: config.credentials,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      clients.push(client);
      return client;
    },
    async stop() {
      for (const client of clients) client.destroy();
      await stop();
    },
  };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new UnavailableError(
      `CIM_TEST_S3_ENDPOINT is set but ${name} is not: set every CIM_TEST_S3_* variable or none.`,
    );
  }
  return value;
}

/**
 * Runs s3rver's own bin with `node` (not npx, so the PID is the server's) on port 0, and reads
 * the port it prints. `--openssl-legacy-provider`: s3rver encrypts continuation tokens with a
 * cipher OpenSSL 3 disables, so paginated listing fails without it.
 */
function startS3rver(dir: string): Promise<{ child: ChildProcess; port: number }> {
  const bin = join(
    dirname(createRequire(import.meta.url).resolve('s3rver/package.json')),
    'bin',
    's3rver.js',
  );
  const args = [bin, '-d', dir, '-a', '127.0.0.1', '-p', '0', '--silent'];
  args.push('--configure-bucket', BUCKET, '--no-vhost-buckets');
  const nodeOptions = `${process.env['NODE_OPTIONS'] ?? ''} --openssl-legacy-provider`.trim();
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new UnavailableError(`s3rver did not start (${why}): run 'npm install' and retry.`));
    };
    const timer = setTimeout(() => fail('no "listening" line within 15 s'), 15_000);
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
      const match = /S3rver listening on [^\s:]+:(\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        // Keep draining its output so a full pipe never blocks the server, and keep its tail:
        // a server that dies under a test says why in the test's output.
        const keepTail = (more: Buffer) => {
          output = (output + more.toString()).slice(-4000);
        };
        child.stdout?.removeListener('data', onData).on('data', keepTail);
        child.stderr?.removeListener('data', onData).on('data', keepTail);
        child.once('exit', (code, signal) => {
          if (stopping.has(child)) return;
          process.stderr.write(
            `s3rver (pid ${child.pid}) exited under the test (code ${code}, signal ${signal}): ${output.trim().slice(-2000)}\n`,
          );
        });
        resolve({ child, port: Number(match[1]) });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (err) => fail(err.message));
    child.once('exit', (code) => fail(`exited with code ${code}: ${output.trim().slice(-300)}`));
  });
}

/** Servers being stopped on purpose: their exit is not news. */
const stopping = new WeakSet<ChildProcess>();

/** SIGTERM to the server's PID, SIGKILL if it has not exited within five seconds. */
async function stopByPid(child: ChildProcess): Promise<void> {
  stopping.add(child);
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

/** Removes everything this run wrote under its prefix on a shared external bucket. */
async function deletePrefix(config: TestS3Config): Promise<void> {
  const client = new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    credentials: config.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  try {
    const pages = paginateListObjectsV2(
      { client },
      { Bucket: config.bucket, Prefix: config.prefix },
    );
    for await (const page of pages) {
      // One by one: a batch delete needs a checksum header some S3-compatible servers reject.
      for (const { Key } of page.Contents ?? []) {
        if (Key) await client.send(new DeleteObjectCommand({ Bucket: config.bucket, Key }));
      }
    }
  } finally {
    client.destroy();
  }
}

/**
 * A `storage.tiers` entry for an S3 tier on the test server (reached at `endpoint`, e.g. through
 * a proxy) and the environment holding its keys, as a node under test is configured.
 */
export function s3TierOf(
  s3: TestS3,
  name = 'warm',
  endpoint = s3.config.endpoint,
): { tier: Record<string, unknown>; env: NodeJS.ProcessEnv } {
  const { bucket, region, prefix, credentials } = s3.config;
  return {
    tier: { kind: 's3', endpoint, bucket, region, prefix, forcePathStyle: true },
    env: {
      [credentialEnv(name, 'ACCESS_KEY_ID')]: credentials.accessKeyId,
      [credentialEnv(name, 'SECRET_ACCESS_KEY')]: credentials.secretAccessKey,
    },
  };
}
