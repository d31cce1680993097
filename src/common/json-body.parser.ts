import type { FastifyBodyParser, FastifyInstance } from 'fastify';
import { ApiError } from './api-error.js';
import { exceedsJsonDepth, jsonTooDeepMessage } from './json-depth.js';

/**
 * The parser of `application/json` bodies: Fastify's own (prototype poisoning refused), then a
 * 400 InvalidParameter for a body nested deeper than MAX_JSON_DEPTH, before anything maps it.
 */
export function depthBoundJsonParser(fastify: FastifyInstance): FastifyBodyParser<Buffer> {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  return (request, body, done) => {
    void parse(request, body.toString('utf8'), (error, value) => {
      if (error) {
        done(error, undefined);
      } else if (exceedsJsonDepth(value)) {
        done(ApiError.invalidParameter(jsonTooDeepMessage('the JSON body')), undefined);
      } else {
        done(null, value);
      }
    });
  };
}
