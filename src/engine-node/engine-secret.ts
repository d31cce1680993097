import { type Metadata, status as GrpcStatus, type StatusObject } from '@grpc/grpc-js';
import { createHash, timingSafeEqual } from 'node:crypto';
import { SECRET_METADATA_KEY } from '../inference/grpc/engine-proto.js';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Checks the shared secret of a call: undefined when the call may go on, else the status that
 * refuses it (UNAUTHENTICATED). With no ENGINE_SECRET configured (loopback only) every call may.
 * Compared in constant time over digests, so neither its content nor its length leaks.
 */
export function refuseWithoutSecret(
  metadata: Metadata,
  secret: string | undefined,
): Partial<StatusObject> | undefined {
  if (secret === undefined) return undefined;
  const given = metadata.get(SECRET_METADATA_KEY)[0];
  if (typeof given === 'string' && timingSafeEqual(digest(given), digest(secret))) {
    return undefined;
  }
  return {
    code: GrpcStatus.UNAUTHENTICATED,
    details:
      given === undefined ? 'the call carries no engine secret' : 'the engine secret is wrong',
  };
}
