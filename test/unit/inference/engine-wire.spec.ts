import { ExecutionDeviceUnavailableError } from '../../../src/inference/execution-device-unavailable.error.js';
import { loadSync } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/load-config.js';
import { engineNodeListenAddress } from '../../../src/engine-node/engine-node.config.js';
import {
  errorFromWire,
  requestFromWire,
  requestToWire,
} from '../../../src/inference/grpc/engine-wire.js';
import {
  EngineFailedError,
  InputRejectedError,
  ModelNotLoadedError,
} from '../../../src/inference/inference.provider.js';
import { ENGINE_MODES, type SynthesisInput } from '../../../src/inference/inference.types.js';
import { TextPieceQueue } from '../../../src/inference/text-piece.queue.js';
import { engineModeOf } from '../../../src/synthesis/engine-mode.js';

const PROTO = fileURLToPath(
  new URL('../../../proto/cosyvoice2/engine/v1/engine.proto', import.meta.url),
);

/** The value names of an enum of engine.proto, in order. */
function protoEnum(name: string): string[] {
  const definition = loadSync(PROTO)[`cosyvoice2.engine.v1.${name}`] as unknown as {
    type: { value: { name: string; number: number }[] };
  };
  return definition.type.value.filter((value) => value.number > 0).map((value) => value.name);
}

const voice = {
  speakerEmbedding: Float32Array.from({ length: 192 }, (_, index) => index / 7),
  speechTokens: Int32Array.from([1, 6560, 42, 0]),
  promptMel: Float32Array.from({ length: 8 * 80 }, (_, index) => Math.sin(index)),
  promptMelFrames: 8,
};

describe('the engine request in its own terms, defined once', () => {
  it('names the modes of engine.proto, and maps each API mode onto one', () => {
    expect(protoEnum('Mode')).toEqual(ENGINE_MODES.map((mode) => mode.toUpperCase()));
    expect(
      ['fast_replication', 'cross_lingual_replication', 'natural_language_replication'].map(
        (mode) => engineModeOf(mode as Parameters<typeof engineModeOf>[0]),
      ),
    ).toEqual(['zero_shot', 'cross_lingual', 'instruct2']);
  });

  it('carries every field of a request across the wire unchanged (speed, seed, voice bytes)', () => {
    const input: SynthesisInput = {
      mode: 'instruct2',
      text: 'Hello.',
      promptText: 'a transcript',
      instruct: 'Speak slowly.',
      voice,
      speed: 1.37,
      stream: true,
      seed: 2 ** 31 - 1,
    };
    const signal = new AbortController().signal;
    const back = requestFromWire(requestToWire(input), new TextPieceQueue(), signal);
    expect(back).toEqual({ ...input, signal });
    expect(back.voice.speechTokens).toBeInstanceOf(Int32Array);
  });

  it('leaves the text to the pieces when the request has none', () => {
    const pieces = (async function* () {
      yield 'a';
    })();
    const wire = requestToWire({
      mode: 'zero_shot',
      text: pieces,
      promptText: '',
      voice,
      speed: 1,
      stream: false,
    });
    expect(wire.text).toBeUndefined();
    expect(requestFromWire(wire, pieces, new AbortController().signal).text).toBe(pieces);
  });

  it('raises the in-process error classes for the error kinds of the wire', () => {
    expect(errorFromWire('MODEL_NOT_LOADED', 'm')).toBeInstanceOf(ModelNotLoadedError);
    expect(errorFromWire('INPUT_REJECTED', 'm')).toBeInstanceOf(InputRejectedError);
    expect(errorFromWire('ENGINE_FAILED', 'm')).toBeInstanceOf(EngineFailedError);
    expect(errorFromWire('DEVICE_UNAVAILABLE', 'm')).toBeInstanceOf(
      ExecutionDeviceUnavailableError,
    );
    expect(protoEnum('ErrorKind')).toEqual([
      'MODEL_NOT_LOADED',
      'INPUT_REJECTED',
      'ABORTED',
      'ENGINE',
      'ENGINE_FAILED',
      'DEVICE_UNAVAILABLE',
    ]);
  });
});

describe('ENGINE_LISTEN and ENGINE_SECRET', () => {
  it('listens on loopback without a secret, anywhere else only with one', () => {
    expect(engineNodeListenAddress(loadConfig({}))).toEqual({ host: '127.0.0.1', port: 50051 });
    const open = loadConfig({ ENGINE_LISTEN: '0.0.0.0:50051' });
    expect(() => engineNodeListenAddress(open)).toThrow(ConfigError);
    const guarded = loadConfig({ ENGINE_LISTEN: '0.0.0.0:50051', ENGINE_SECRET: 'x'.repeat(16) });
    expect(engineNodeListenAddress(guarded)).toEqual({ host: '0.0.0.0', port: 50051 });
  });

  it('refuses a short secret and a malformed node list, naming the variable', () => {
    expect(() => loadConfig({ ENGINE_SECRET: 'short' })).toThrow(/ENGINE_SECRET="short"/);
    expect(() => loadConfig({ ENGINE_NODES: 'no-port' })).toThrow(/ENGINE_NODES="no-port"/);
    expect(loadConfig({ ENGINE_NODES: 'a:1,dns:///b.svc:50051' }).engine.nodes).toEqual([
      'a:1',
      'dns:///b.svc:50051',
    ]);
  });
});
