import { ExecutionDeviceUnavailableError } from '../../../src/inference/execution-device-unavailable.error.js';
import { loadSync } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/load-config.js';
import { engineNodeListenAddress } from '../../../src/engine-node/engine-node.config.js';
import { engineService, type SynthesizeOut } from '../../../src/inference/grpc/engine-proto.js';
import {
  engineChannelCredentials,
  engineServerCredentials,
} from '../../../src/inference/grpc/engine-tls.js';
import {
  errorFromWire,
  failedToWire,
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
    expect(errorFromWire({ kind: 'MODEL_NOT_LOADED', message: 'm' })).toBeInstanceOf(
      ModelNotLoadedError,
    );
    expect(errorFromWire({ kind: 'INPUT_REJECTED', message: 'm' })).toBeInstanceOf(
      InputRejectedError,
    );
    expect(errorFromWire({ kind: 'ENGINE_FAILED', message: 'm' })).toBeInstanceOf(
      EngineFailedError,
    );
    expect(errorFromWire({ kind: 'DEVICE_UNAVAILABLE', message: 'm' })).toBeInstanceOf(
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

  it('carries the request field at fault of a rejected input through the serialized message', () => {
    const { responseSerialize, responseDeserialize } = engineService().service.Synthesize;
    const roundTrip = (error: Error): Error => {
      const sent: SynthesizeOut = { message: 'failed', failed: failedToWire(error) };
      const received = responseDeserialize(responseSerialize(sent)) as SynthesizeOut;
      if (received.message !== 'failed') throw new Error(`received ${received.message}`);
      return errorFromWire(received.failed);
    };
    const rejected = roundTrip(new InputRejectedError('instruct has 1201 tokens', 'instruct'));
    expect(rejected).toBeInstanceOf(InputRejectedError);
    expect(rejected).toMatchObject({ message: 'instruct has 1201 tokens', field: 'instruct' });
    expect((roundTrip(new InputRejectedError('too long')) as InputRejectedError).field).toBe(
      undefined,
    );
    expect(roundTrip(new EngineFailedError('the worker died'))).toBeInstanceOf(EngineFailedError);
  });
});

describe('ENGINE_LISTEN, ENGINE_SECRET and ENGINE_TLS_*', () => {
  const open = { ENGINE_LISTEN: '0.0.0.0:50051' };
  const nodeCertificate = { ENGINE_TLS_CERT: '/certs/node.pem', ENGINE_TLS_KEY: '/certs/node.key' };

  it('listens on loopback without a secret, anywhere else only with one', () => {
    expect(engineNodeListenAddress(loadConfig({}))).toEqual({ host: '127.0.0.1', port: 50051 });
    expect(() => engineNodeListenAddress(loadConfig(open))).toThrow(ConfigError);
    const guarded = loadConfig({ ...open, ENGINE_SECRET: 'x'.repeat(16) });
    expect(engineNodeListenAddress(guarded)).toEqual({ host: '0.0.0.0', port: 50051 });
  });

  it('takes mutual TLS instead of the secret, but not TLS that lets any client in', () => {
    const mutual = loadConfig({ ...open, ...nodeCertificate, ENGINE_TLS_CA: '/certs/ca.pem' });
    expect(engineNodeListenAddress(mutual)).toEqual({ host: '0.0.0.0', port: 50051 });
    expect(() => engineNodeListenAddress(loadConfig({ ...open, ...nodeCertificate }))).toThrow(
      /ENGINE_SECRET or mutual TLS is required when ENGINE_LISTEN=0\.0\.0\.0:50051/,
    );
  });

  it('refuses half a TLS setting, naming what is missing', () => {
    expect(() => loadConfig({ ENGINE_TLS_CERT: '/certs/node.pem' })).toThrow(
      'ENGINE_TLS_CERT and ENGINE_TLS_KEY go together',
    );
    expect(() => engineServerCredentials(loadConfig({ ENGINE_TLS_CA: '/c' }).engine.tls)).toThrow(
      'ENGINE_TLS_CA on an engine node checks client certificates over TLS',
    );
    expect(() => engineChannelCredentials(loadConfig(nodeCertificate).engine.tls)).toThrow(
      'ENGINE_TLS_CERT on the API service is its client certificate for TLS',
    );
    expect(() =>
      engineChannelCredentials(loadConfig({ ENGINE_TLS_CA: '/no/such/ca.pem' }).engine.tls),
    ).toThrow(/^ENGINE_TLS_CA=\/no\/such\/ca\.pem cannot be read: ENOENT/);
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
