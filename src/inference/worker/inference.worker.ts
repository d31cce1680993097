/**
 * Entry of an inference worker thread: loads the model pack with its own onnxruntime sessions
 * and answers the main thread's requests (see inference-worker.protocol.ts). Nothing else of
 * the service runs here.
 */
import { Logger } from '@nestjs/common';
import { parentPort, workerData } from 'node:worker_threads';
import type { PcmAudio } from '../../audio/audio.types.js';
import { CosyVoice2Engine } from '../cosyvoice2/cosyvoice2.engine.js';
import {
  featureBuffers,
  type InferenceWorkerData,
  type MainToWorkerMessage,
  type WorkerToMainMessage,
} from './inference-worker.protocol.js';
import { armGpuDeviceLossDrill } from '../cosyvoice2/runtime/gpu-device-loss.drill.js';
import { ForwardingLogger } from './forwarding.logger.js';
import { exitOnGpuGraphFailure } from './gpu-failure.exit.js';
import { toWorkerError } from './worker-error.kind.js';
import { WorkerSynthesisRun } from './worker-synthesis.run.js';

const port = parentPort;
if (!port) throw new Error('inference.worker runs only as a worker thread');

const post = (message: WorkerToMainMessage, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(message, transfer);
Logger.overrideLogger(new ForwardingLogger(post));

const { config } = workerData as InferenceWorkerData;
const engine = new CosyVoice2Engine(config);
const syntheses = new Map<number, WorkerSynthesisRun>();
const extractions = new Map<number, AbortController>();

async function extract(id: number, audio: PcmAudio): Promise<void> {
  const controller = new AbortController();
  extractions.set(id, controller);
  const started = performance.now();
  try {
    const features = await engine.extractVoiceFeatures(audio, controller.signal);
    const busySeconds = (performance.now() - started) / 1000;
    post({ type: 'features', id, features, busySeconds }, [...new Set(featureBuffers(features))]);
  } catch (error) {
    if (!controller.signal.aborted) exitOnGpuGraphFailure(config.device, error, post);
    post({ type: 'failed', id, error: toWorkerError(error, controller.signal.aborted) });
  } finally {
    extractions.delete(id);
  }
}

function handle(message: MainToWorkerMessage): void {
  switch (message.type) {
    case 'synthesize': {
      const run = new WorkerSynthesisRun(message.id, message.input, engine, post, (error) =>
        exitOnGpuGraphFailure(config.device, error, post),
      );
      syntheses.set(message.id, run);
      void run.run().finally(() => syntheses.delete(message.id));
      return;
    }
    case 'text-piece':
      syntheses.get(message.id)?.pieces?.push(message.piece);
      return;
    case 'text-end':
      syntheses.get(message.id)?.pieces?.end();
      return;
    case 'text-error':
      syntheses.get(message.id)?.pieces?.fail(new Error(message.message));
      return;
    case 'credit':
      syntheses.get(message.id)?.grant(message.chunks);
      return;
    case 'abort':
      syntheses.get(message.id)?.abort();
      extractions.get(message.id)?.abort();
      return;
    case 'extract':
      void extract(message.id, message.audio);
      return;
    case 'gpu-device-loss-drill':
      armGpuDeviceLossDrill();
      return;
    case 'exit':
      process.exit(1);
  }
}

port.on('message', handle);

try {
  await engine.load();
  const status = engine.status();
  post(
    status.loaded
      ? { type: 'loaded', device: status.device ?? config.device, testPack: status.testPack }
      : {
          type: 'load-failed',
          error: { kind: 'model-not-loaded', message: status.error ?? 'the model is not loaded' },
        },
  );
} catch (error) {
  post({ type: 'load-failed', error: toWorkerError(error, false) });
}
