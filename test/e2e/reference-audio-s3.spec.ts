import { afterAll } from 'vitest';
import { S3TestServer, startS3TestServer } from '../support/s3-test-server.js';
import { describeReferenceAudioApi } from './reference-audio.suite.js';

let server: S3TestServer | undefined;

afterAll(async () => {
  await server?.close();
});

describeReferenceAudioApi('S3 storage (s3rver over HTTP)', async () => {
  server = await startS3TestServer('cosyvoice-e2e');
  return server.env;
});
