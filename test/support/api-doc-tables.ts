/**
 * `docs/API.md` as tables a test can read, and the same tables as the OpenAPI document says
 * they must be. Each HTTP route is a `### \`METHOD /path\`` heading followed by up to three
 * tables, told apart by their first header cell:
 *
 * - `field` (`| field | in | type | required | values | meaning |`): one row per request field
 *   (query, path, JSON body or multipart form), nested fields as `input.mode`;
 * - `status` (`| status | content types | meaning |`): one row per documented answer;
 * - `answer field` (`| answer field | type | required | values | meaning |`): the fields of the
 *   JSON 200 answer (an array's items as `[].id`).
 *
 * `type` is the OpenAPI type (`binary` for a file, `object` for a nested object, `a or b` for
 * either, `… or null` when nullable), `values` the enum, `meaning` is free text.
 */

export interface OpenApiSchema {
  type?: string;
  format?: string;
  enum?: unknown[];
  nullable?: boolean;
  $ref?: string;
  allOf?: OpenApiSchema[];
  oneOf?: OpenApiSchema[];
  items?: OpenApiSchema;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
}

interface OpenApiParameter {
  name: string;
  in: string;
  required?: boolean;
  schema: OpenApiSchema;
}

interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content: Record<string, { schema: OpenApiSchema }> };
  responses: Record<string, { content?: Record<string, { schema?: OpenApiSchema }> }>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, OpenApiSchema> };
}

/** One route's tables, as rows of plain cells (backticks removed, `meaning` left out). */
export interface RouteTables {
  /** `name|in|type|required|values` */
  fields: string[];
  /** `status|content types` */
  answers: string[];
  /** `name|type|required|values` */
  answerFields: string[];
}

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** The tables the OpenAPI document implies, by `METHOD /path`. */
export function tablesFromOpenApi(doc: OpenApiDocument): Map<string, RouteTables> {
  const routes = new Map<string, RouteTables>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      if (!HTTP_METHODS.includes(method)) continue;
      routes.set(`${method.toUpperCase()} ${path}`, routeTables(doc, operation));
    }
  }
  return routes;
}

function routeTables(doc: OpenApiDocument, operation: OpenApiOperation): RouteTables {
  const fields = (operation.parameters ?? []).map((parameter) =>
    row(
      parameter.name,
      parameter.in,
      typeOf(parameter.schema),
      parameter.required === true,
      parameter.schema,
    ),
  );
  for (const [mediaType, { schema }] of Object.entries(operation.requestBody?.content ?? {})) {
    const place = mediaType === 'multipart/form-data' ? 'form' : 'body';
    fields.push(...flatten(doc, schema, '').map((field) => `${field.name}|${place}|${field.rest}`));
  }
  const answers = Object.entries(operation.responses).map(
    ([status, response]) =>
      `${status}|${Object.keys(response.content ?? {})
        .sort()
        .join(', ')}`,
  );
  const ok = operation.responses['200']?.content?.['application/json']?.schema;
  const answerFields = ok ? flatten(doc, ok, '').map((field) => `${field.name}|${field.rest}`) : [];
  return { fields: fields.sort(), answers: answers.sort(), answerFields: answerFields.sort() };
}

/** Every field of an object schema, nested objects and array items included. */
function flatten(
  doc: OpenApiDocument,
  schema: OpenApiSchema,
  prefix: string,
): { name: string; rest: string }[] {
  const target = resolve(doc, schema);
  if (target.type === 'array' && target.items) {
    return flatten(doc, target.items, `${prefix}[].`);
  }
  const fields: { name: string; rest: string }[] = [];
  for (const [name, property] of Object.entries(target.properties ?? {})) {
    const required = (target.required ?? []).includes(name);
    const full = `${prefix}${name}`;
    const type = typeOf(property);
    fields.push({ name: full, rest: `${type}|${required ? 'yes' : 'no'}|${valuesOf(property)}` });
    const inner = resolve(doc, property);
    if (inner !== property) {
      fields.push(...flatten(doc, inner, `${full}.`));
    } else if (property.type === 'array' && property.items) {
      fields.push(...flatten(doc, property.items, `${full}[].`));
    }
  }
  return fields;
}

function resolve(doc: OpenApiDocument, schema: OpenApiSchema): OpenApiSchema {
  const ref = schema.$ref ?? (schema.allOf?.length === 1 ? schema.allOf[0].$ref : undefined);
  return ref ? doc.components.schemas[ref.replace('#/components/schemas/', '')] : schema;
}

function typeOf(schema: OpenApiSchema): string {
  let type: string;
  if (schema.oneOf) type = schema.oneOf.map(typeOf).join(' or ');
  else if (schema.$ref || schema.allOf) type = 'object';
  else if (schema.format === 'binary') type = 'binary';
  else type = schema.type ?? 'any';
  return schema.nullable ? `${type} or null` : type;
}

function valuesOf(schema: OpenApiSchema): string {
  return (schema.enum ?? []).map(String).join(', ');
}

function row(
  name: string,
  place: string,
  type: string,
  required: boolean,
  schema: OpenApiSchema,
): string {
  return `${name}|${place}|${type}|${required ? 'yes' : 'no'}|${valuesOf(schema)}`;
}

/** The route tables of `docs/API.md`. */
export function tablesFromMarkdown(markdown: string): Map<string, RouteTables> {
  const routes = new Map<string, RouteTables>();
  const sections = markdown.split(/^### /m).slice(1);
  for (const section of sections) {
    const heading = /^`(GET|POST|PUT|PATCH|DELETE) (\/\S*)`/.exec(section);
    if (!heading) continue;
    const tables: RouteTables = { fields: [], answers: [], answerFields: [] };
    for (const table of markdownTables(section.slice(0, nextHeading(section)))) {
      const [header, ...rows] = table;
      if (header[0] === 'field') tables.fields = rows.map((cells) => cells.slice(0, 5).join('|'));
      if (header[0] === 'status') tables.answers = rows.map((cells) => cells.slice(0, 2).join('|'));
      if (header[0] === 'answer field') {
        tables.answerFields = rows.map((cells) => cells.slice(0, 4).join('|'));
      }
    }
    tables.fields.sort();
    tables.answers.sort();
    tables.answerFields.sort();
    routes.set(`${heading[1]} ${heading[2]}`, tables);
  }
  return routes;
}

/** Where the section of one `###` heading ends: at the next heading of any level. */
function nextHeading(section: string): number {
  const next = /^#{1,3} /m.exec(section.slice(1));
  return next ? next.index + 1 : section.length;
}

/** Every table of a piece of Markdown, as rows of cells without backticks (separator left out). */
export function markdownTables(markdown: string): string[][][] {
  const tables: string[][][] = [];
  let current: string[][] | undefined;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      current = undefined;
      continue;
    }
    const cells = line
      .slice(1, line.trimEnd().endsWith('|') ? line.trimEnd().length - 1 : undefined)
      .split('|')
      .map((cell) => cell.trim().replaceAll('`', ''));
    if (cells.every((cell) => /^:?-+:?$/.test(cell))) continue;
    if (!current) {
      current = [];
      tables.push(current);
    }
    current.push(cells);
  }
  return tables;
}

/** The expected tables of one route as Markdown (what to paste into `docs/API.md`). */
export function renderRouteTables(route: string, tables: RouteTables): string {
  const code = (value: string) => (value === '' ? '' : `\`${value}\``);
  const values = (value: string) => (value === '' ? '' : value.split(', ').map(code).join(', '));
  const lines = [`### \`${route}\``, ''];
  if (tables.fields.length > 0) {
    lines.push('| field | in | type | required | values | meaning |', '| - | - | - | - | - | - |');
    for (const field of tables.fields) {
      const [name, place, type, required, enumValues] = field.split('|');
      lines.push(`| ${code(name)} | ${place} | ${type} | ${required} | ${values(enumValues)} | |`);
    }
    lines.push('');
  }
  lines.push('| status | content types | meaning |', '| - | - | - |');
  for (const answer of tables.answers) {
    const [status, types] = answer.split('|');
    lines.push(`| ${status} | ${values(types)} | |`);
  }
  lines.push('');
  if (tables.answerFields.length > 0) {
    lines.push('| answer field | type | required | values | meaning |', '| - | - | - | - | - |');
    for (const field of tables.answerFields) {
      const [name, type, required, enumValues] = field.split('|');
      lines.push(`| ${code(name)} | ${type} | ${required} | ${values(enumValues)} | |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
