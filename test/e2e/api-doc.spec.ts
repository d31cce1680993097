import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunTaskParametersDto } from '../../src/realtime/dto/run-task-parameters.dto.js';
import { RunTaskPayloadDto } from '../../src/realtime/dto/run-task-payload.dto.js';
import {
  resultGenerated,
  TASK_ACTIONS,
  taskFailed,
  taskFinished,
  taskStarted,
} from '../../src/realtime/tts-task.protocol.js';
import {
  markdownTables,
  renderRouteTables,
  tablesFromMarkdown,
  tablesFromOpenApi,
  type OpenApiDocument,
} from '../support/api-doc-tables.js';
import { REPOSITORY_DIR } from '../support/compose-project.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const API_MD = join(REPOSITORY_DIR, 'docs', 'API.md');
const WEBSOCKET_HEADING = '## WebSocket duplex tasks';

describe('docs/API.md is the wire contract of every HTTP route (checked against /docs-json)', () => {
  let app: TestApp;
  let doc: OpenApiDocument;
  let markdown: string;

  beforeAll(async () => {
    app = await startTestApp();
    doc = (await (await fetch(`${app.baseUrl}/docs-json`)).json()) as OpenApiDocument;
    markdown = await readFile(API_MD, 'utf8');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('documents exactly the routes the service has', () => {
    const served = [...tablesFromOpenApi(doc).keys()].sort();
    const documented = [...tablesFromMarkdown(markdown).keys()].sort();
    expect(served.length).toBeGreaterThan(10);
    expect(documented).toEqual(served);
  });

  it('each route lists its fields, types, enums, statuses and content types as the service serves them', () => {
    const documented = tablesFromMarkdown(markdown);
    for (const [route, tables] of tablesFromOpenApi(doc)) {
      // On failure the message holds the tables to paste (add the meanings).
      expect(documented.get(route), renderRouteTables(route, tables)).toEqual(tables);
    }
  });
});

/** The rows of the WebSocket section's table whose first header cell is `first`. */
function websocketTable(markdown: string, first: string): string[][] {
  const section = markdown.slice(markdown.indexOf(WEBSOCKET_HEADING));
  const table = markdownTables(section).find((candidate) => candidate[0][0] === first);
  if (!table) throw new Error(`docs/API.md has no WebSocket table starting with "${first}"`);
  return table.slice(1);
}

/** Names, required-ness and enum values of a DTO's fields, from its validation and OpenAPI metadata. */
function dtoFields(dto: abstract new () => object, prefix: string): string[] {
  const validations = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const names = new Set(validations.map((metadata) => metadata.propertyName));
  return [...names].map((name) => {
    const schema = Reflect.getMetadata('swagger/apiModelProperties', dto.prototype, name) as
      { required?: boolean; enum?: unknown[] } | undefined;
    // OpenAPI's `required` where the field has a schema, else whether it is @IsOptional().
    const required = schema
      ? schema.required !== false
      : !validations.some(
          (metadata) => metadata.propertyName === name && metadata.type === 'conditionalValidation',
        );
    return `${prefix}${name}|${required ? 'yes' : 'no'}|${(schema?.enum ?? []).join(', ')}`;
  });
}

describe('docs/API.md: the WebSocket protocol as the code speaks it', () => {
  let markdown: string;

  beforeAll(async () => {
    markdown = await readFile(API_MD, 'utf8');
  });

  it('lists the client actions', () => {
    expect(websocketTable(markdown, 'action').map((row) => row[0])).toEqual([...TASK_ACTIONS]);
  });

  it('lists the fields of the run-task payload with their enums and whether they are required', () => {
    const documented = websocketTable(markdown, 'run-task field').map(
      ([name, , required, values]) => `${name}|${required}|${values}`,
    );
    const expected = [
      ...dtoFields(RunTaskPayloadDto, ''),
      ...dtoFields(RunTaskParametersDto, 'parameters.'),
    ];
    expect(documented.sort()).toEqual(expected.sort());
  });

  it('lists the server events with their header fields', () => {
    const metrics = { speech_len: 1, server_cost_time: 1, generate_time: 1, first_package_time: 1 };
    const events = [
      taskStarted('t'),
      resultGenerated('t', Buffer.alloc(2), metrics),
      taskFinished('t', 1),
      taskFailed('t', 'InvalidParameter', 'bad'),
    ].map(({ header }) => [header.event, Object.keys(header).join(', ')]);
    expect(websocketTable(markdown, 'event').map(([event, header]) => [event, header])).toEqual(
      events,
    );
  });

  it('lists the metrics of result-generated', async () => {
    const source = await readFile(
      join(REPOSITORY_DIR, 'src', 'realtime', 'tts-task.protocol.ts'),
      'utf8',
    );
    const body = /export interface ResultMetrics \{([^}]*)\}/.exec(source)?.[1] ?? '';
    const fields = [...body.matchAll(/^\s+(\w+): number;/gm)].map((match) => match[1]);
    expect(fields.length).toBeGreaterThan(2);
    expect(websocketTable(markdown, 'metric').map((row) => row[0])).toEqual(fields);
  });
});
