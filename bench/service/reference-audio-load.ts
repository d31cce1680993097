import autocannon from 'autocannon';
import { REFERENCE_AUDIO_PATH } from '../../test/support/http-client.js';
import type { ServiceTarget } from './service-target.js';

/** autocannon's figures for one endpoint. */
export interface HttpLoadResult {
  endpoint: string;
  connections: number;
  seconds: number;
  requests: number;
  /** Mean of the per-second request counts (autocannon's "Req/Sec Avg"). */
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Non-2xx answers plus connection errors and timeouts. */
  errors: number;
}

async function load(
  target: ServiceTarget,
  endpoint: string,
  path: string,
  connections: number,
  seconds: number,
): Promise<HttpLoadResult> {
  const result = await autocannon({
    url: `${target.baseUrl}${path}`,
    headers: { authorization: `Bearer ${target.token}` },
    connections,
    duration: seconds,
  });
  return {
    endpoint,
    connections,
    seconds: result.duration,
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    errors: result.non2xx + result.errors,
  };
}

/** Plain HTTP load on GET reference_audio (list) and GET reference_audio/:id, one after the other. */
export async function loadReferenceAudioEndpoints(
  target: ServiceTarget,
  voiceId: string,
  connections: number,
  seconds: number,
): Promise<HttpLoadResult[]> {
  return [
    await load(target, `GET ${REFERENCE_AUDIO_PATH}`, REFERENCE_AUDIO_PATH, connections, seconds),
    await load(
      target,
      `GET ${REFERENCE_AUDIO_PATH}/:id`,
      `${REFERENCE_AUDIO_PATH}/${voiceId}`,
      connections,
      seconds,
    ),
  ];
}
