import { parentPort, workerData } from 'node:worker_threads';
import { loadPlugins } from '../plugins/plugin-loader.js';
import { PluginSet } from '../plugins/plugin-registry.js';
import { runProcessor } from '../plugins/run-processor.js';
import { ProcessorFailedError } from '../plugins/run-processor.js';
import { builtinPlugin } from '../processors/builtin-plugin.js';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './processor-pool.js';

/**
 * A processor worker thread: loads the same plugins as the node and runs processors on request,
 * so a processor's computing never holds the node's main thread, and one that does not stop can
 * be ended by ending the thread.
 */
const port = parentPort!;
const setup = workerData as WorkerSetup;
const quiet = { info() {}, warn() {}, error() {} };
const loaded = await loadPlugins(setup.plugins, {
  baseDir: setup.baseDir,
  builtins: [builtinPlugin],
  logger: quiet,
});
const plugins = new PluginSet(loaded);

port.on('message', (request: WorkerRequest) => {
  void (async () => {
    const found = plugins.processor(request.processor);
    if (!found) {
      port.postMessage({
        id: request.id,
        ok: false,
        error: {
          code: 'unavailable',
          message: `The processor ${request.processor} is not loaded in the processor worker.`,
        },
      } satisfies WorkerReply);
      return;
    }
    const bytes = request.bytes;
    const result = await runProcessor(
      found,
      {
        unit: request.unit,
        content: async () => bytes,
        ...(request.text !== undefined ? { text: request.text } : {}),
        parameters: request.parameters,
      },
      { logger: quiet },
      request.timeoutMs,
    );
    if (result.ok) {
      // Posted as a copy: derived bytes may share buffers with each other or with the input.
      port.postMessage({ id: request.id, ok: true, output: result.output } satisfies WorkerReply);
    } else {
      const error = result.error;
      port.postMessage({
        id: request.id,
        ok: false,
        error: {
          code: error.code,
          message: error.message,
          ...(error instanceof ProcessorFailedError ? { reason: error.reason } : {}),
        },
      } satisfies WorkerReply);
    }
  })();
});
port.postMessage({ ready: true, refused: loaded.refused.map((r) => r.spec) });
