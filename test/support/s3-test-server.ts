import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** A local S3-compatible server (s3rver) on a random port with one empty bucket. */
export interface S3TestServer {
  endpoint: string;
  bucket: string;
  /** s3rver's fixed credentials. */
  accessKeyId: string;
  secretAccessKey: string;
  /** The environment that points the service's S3 driver at this server. */
  env: Record<string, string>;
  /** Takes the server down (connections refused); its objects are kept for `resume`. */
  suspend(): Promise<void>;
  /** Serves again on the same port, with the objects it had. */
  resume(): Promise<void>;
  close(): Promise<void>;
}

export async function startS3TestServer(bucket = 'voices'): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'cosyvoice-s3rver-'));
  const serve = async (port: number) => {
    const server = new S3rver({
      address: '127.0.0.1',
      port,
      silent: true,
      directory,
      configureBuckets: [{ name: bucket }],
    });
    return { server, address: await server.run() };
  };
  let { server, address } = await serve(0);
  let running = true;
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    env: {
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
    },
    async suspend() {
      await server.close();
      running = false;
    },
    async resume() {
      ({ server, address } = await serve(address.port));
      running = true;
    },
    async close() {
      if (running) await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
