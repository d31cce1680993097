import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

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
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
