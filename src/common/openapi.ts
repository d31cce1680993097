import { INestApplication } from '@nestjs/common';
import { ApiResponse, DocumentBuilder, getSchemaPath, SwaggerModule } from '@nestjs/swagger';
import { ErrorResponseDto } from './dto/error-response.dto.js';

const EXAMPLE_REQUEST_ID = 'f90a65be-f47b-46b5-9ddc-70bae5500000';

/**
 * One documented error answer of an operation: always application/json (also on routes that
 * stream text/event-stream), with the common error shape and this operation's own example.
 */
export function ApiErrorResponse(
  status: number,
  description: string,
  example: { code: string; message: string },
): MethodDecorator & ClassDecorator {
  return ApiResponse({
    status,
    description,
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(ErrorResponseDto) },
        example: { ...example, request_id: EXAMPLE_REQUEST_ID },
      },
    },
  });
}

/** The 401 of every route that needs a token. */
export function ApiUnauthorizedResponse(): MethodDecorator & ClassDecorator {
  return ApiErrorResponse(401, 'Missing or wrong bearer token.', {
    code: 'Unauthorized',
    message: 'missing Authorization: Bearer <token> header',
  });
}

/** Swagger UI at /docs and the generated OpenAPI JSON at /docs-json. */
export function setupOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('CosyVoice2 speech service')
      .setDescription(
        'Voice cloning with CosyVoice2-0.5B: reference audio management, speech synthesis ' +
          '(JSON or server-sent events) and WebSocket duplex tasks at /api-ws/v1/audio/speech.',
      )
      .setVersion('1')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque token',
        description: 'One of the tokens in API_TOKENS (an opaque string, not a JWT)',
      })
      .build(),
    { extraModels: [ErrorResponseDto] },
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
