import { credentials, status as GrpcStatus } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/audio/wav.decoder.js';
import { DESCRIBE_INTERVAL_MS } from '../../src/inference/engine-fleet/engine-node.client.js';
import { CapturedLog } from '../support/captured-log.js';
import {
  describeNode,
  type EngineNodeProcess,
  type NodeChannel,
  startEngineNode,
} from '../support/engine-node-process.js';
import { uploadReferenceAudio } from '../support/http-client.js';
import { postSpeech, referenceVoiceWav, uploadVoice } from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { makeTestCertificates, type TestCertificates } from '../support/test-certificates.js';
import { prepareTinyPack } from '../support/tiny-pack.js';
import { until } from '../support/until.js';

/**
 * An engine node with mutual TLS (ENGINE_TLS_CERT, ENGINE_TLS_KEY, ENGINE_TLS_CA; no secret) on
 * loopback with the tiny pack, certificates made by `openssl` for the test (the node's names
 * `localhost` only): the API service with the CA and a client certificate uses it through
 * `dns:///localhost:port`; clients that trust another CA, speak plaintext, bring no client
 * certificate or check another name cannot.
 */
describe('engine nodes over TLS (mutual, certificates made by openssl)', () => {
  let certs: TestCertificates;
  let node: EngineNodeProcess;
  let api: TestApp;
  const pem = (path: string): Buffer => readFileSync(path);
  /** A TLS channel to the node as `localhost`: trusting `ca`, with the client certificate unless `bare`. */
  const tls = (ca: string, bare = false): NodeChannel => ({
    credentials: bare
      ? credentials.createSsl(pem(ca))
      : credentials.createSsl(pem(ca), pem(certs.client.key), pem(certs.client.cert)),
    serverName: 'localhost',
  });
  /** The API service's TLS settings, trusting `ca`. */
  const apiTls = (ca: string): Record<string, string> => ({
    ENGINE_TLS_CA: ca,
    ENGINE_TLS_CERT: certs.client.cert,
    ENGINE_TLS_KEY: certs.client.key,
  });

  /** An API service that cannot use the node: it logs `reason` and has no ready node. */
  async function expectUnusable(env: Record<string, string>, reason: string): Promise<void> {
    const log = new CapturedLog();
    const app = await startTestApp({ ...env, LOG_LEVEL: 'warn' }, { logDestination: log });
    try {
      await until(() => log.text.includes('cannot be used'), 'the log line');
      expect(log.text).toContain(`engine node ${node.address} cannot be used: ${reason}`);
      expect(await engines(app)).toBe('1 node, 0 ready, 0/0 slots free');
      const upload = await uploadReferenceAudio(app, {
        bytes: referenceVoiceWav(190),
        filename: 'voice.wav',
        text: 'A gliding tone.',
      });
      expect(upload.status).toBe(503);
      expect(upload.headers.get('retry-after')).toBe('2');
      expect(await upload.json()).toMatchObject({ code: 'ServerBusy' });
      // more Describe calls fail with the same reason: it is not logged again
      await new Promise((resolve) => setTimeout(resolve, 2 * DESCRIBE_INTERVAL_MS));
      expect(log.text.split('cannot be used')).toHaveLength(2);
    } finally {
      await app.close();
    }
  }

  async function engines(app: TestApp): Promise<string | undefined> {
    const body = (await (await fetch(`${app.baseUrl}/ready`)).json()) as {
      checks: { model: { engines?: string } };
    };
    return body.checks.model.engines;
  }

  beforeAll(async () => {
    certs = await makeTestCertificates();
    node = await startEngineNode(
      await prepareTinyPack(),
      {
        ENGINE_TLS_CERT: certs.server.cert,
        ENGINE_TLS_KEY: certs.server.key,
        ENGINE_TLS_CA: certs.ca,
      },
      60_000,
      tls(certs.ca),
    );
    api = await startTestApp({
      ENGINE_NODES: `dns:///localhost:${node.port}`,
      ...apiTls(certs.ca),
    });
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await node?.stop('SIGKILL');
    await certs?.remove();
  });

  it('says it serves mutual TLS, and the API service uploads and synthesizes through it', async () => {
    expect(node.output()).toContain('(mutual TLS)');
    // localhost may resolve to ::1 as well, where no node listens
    await until(
      async () => /, 1 ready, 1\/1 slots free$/.test((await engines(api)) ?? ''),
      'the node',
    );
    const voice = await uploadVoice(api, 190, 'A gliding tone.');
    const response = await postSpeech(api, {
      model: 'CosyVoice2-0.5B',
      input: {
        mode: 'cross_lingual_replication',
        reference_audio_id: voice,
        text: 'Hello over TLS.',
        seed: 3,
        output_format: 'wav',
      },
      stream: false,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { output: { audio: { data: string } } };
    const audio = decodeWav(Buffer.from(body.output.audio.data, 'base64'));
    expect(audio.samples.length).toBeGreaterThan(2400);
  }, 60_000);

  it('refuses a client that trusts another CA, with the certificate error', async () => {
    const { error } = await describeNode(node.address, null, tls(certs.otherCa));
    expect(error?.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(error?.details).toContain('self-signed certificate in certificate chain');
  });

  it('refuses a plaintext client and a client without a client certificate', async () => {
    const plaintext = await describeNode(node.address, null, {
      credentials: credentials.createInsecure(),
    });
    expect(plaintext.error?.code).toBe(GrpcStatus.UNAVAILABLE);
    const bare = await describeNode(node.address, null, tls(certs.ca, true));
    expect(bare.error?.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(bare.error?.details).toContain('certificate required');
  });

  it('an API service with the wrong CA uses no node, logs why, and answers 503', async () => {
    await expectUnusable(
      { ENGINE_NODES: node.address, ...apiTls(certs.otherCa) },
      'UNAVAILABLE: No connection established. Last error: Error: self-signed certificate in ' +
        'certificate chain',
    );
  }, 60_000);

  it('an API service that checks another name (the address) uses no node', async () => {
    await expectUnusable(
      { ENGINE_NODES: node.address, ...apiTls(certs.ca) },
      'UNAVAILABLE: No connection established. Last error: Error [ERR_TLS_CERT_ALTNAME_INVALID]: ' +
        "Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list",
    );
  }, 60_000);

  it('a plaintext API service uses no node', async () => {
    await expectUnusable({ ENGINE_NODES: node.address }, 'UNAVAILABLE: No connection established');
  }, 60_000);
});
