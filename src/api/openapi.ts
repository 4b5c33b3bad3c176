import { z } from 'zod';
import type { AnyOperation } from './operation.js';
import type { JsonSchema, RouteDoc, RouteResponseDoc } from './route-docs.js';
import { jsonValueSchema } from './schemas/events.js';
import { API_SCHEMAS } from './schemas/registry.js';

/** An OpenAPI 3.1 document, as far as CIM writes one. */
export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly tags: readonly { readonly name: string }[];
  readonly paths: Record<string, Record<string, unknown>>;
  readonly components: {
    readonly schemas: Record<string, JsonSchema>;
    readonly responses: Record<string, unknown>;
  };
}

const COMPONENTS = '#/components/schemas/';
const ref = (id: string) => ({ $ref: `${COMPONENTS}${id}` });
const PROBLEM_RESPONSE = { $ref: '#/components/responses/Problem' };
const TARGET = 'draft-2020-12' as const;

/** `/api/units/:cid` → `/api/units/{cid}`; a trailing `*` becomes `{path}`. */
export function openApiPath(fastifyPath: string): string {
  return fastifyPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{path}');
}

function pathParams(fastifyPath: string): string[] {
  const names = [...fastifyPath.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  return fastifyPath.endsWith('*') ? [...names, 'path'] : names;
}

/** The registry's schemas as components: `$id` and `$schema` are the document's business. */
function componentsOf(registry: z.core.$ZodRegistry<{ id: string }>, io: 'input' | 'output') {
  const { schemas } = z.toJSONSchema(registry, {
    target: TARGET,
    io,
    unrepresentable: 'any',
    uri: (id) => `${COMPONENTS}${id}`,
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $id: _id, $schema: _schema, ...schema }]) => [id, schema]),
  ) as Record<string, JsonSchema>;
}

/** An object schema (input side) written out on its own; nested refs are not expected there. */
function inlineInput(schema: z.ZodType): {
  properties: Record<string, JsonSchema>;
  required: string[];
} {
  const { $schema: _schema, ...json } = z.toJSONSchema(schema, {
    target: TARGET,
    io: 'input',
    unrepresentable: 'any',
  }) as {
    $schema?: string;
    $defs?: unknown;
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  if (json.$defs !== undefined) throw new Error('A query schema must not need definitions.');
  return { properties: json.properties ?? {}, required: json.required ?? [] };
}

function parameters(
  fastifyPath: string,
  query: z.ZodType | undefined,
  headers: Readonly<Record<string, string>> = {},
): unknown[] {
  const inPath = new Set(pathParams(fastifyPath));
  const { properties, required } = query ? inlineInput(query) : { properties: {}, required: [] };
  const params: unknown[] = [...inPath].map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: properties[name] ?? { type: 'string' },
  }));
  for (const [name, schema] of Object.entries(properties)) {
    if (inPath.has(name)) continue;
    const { description, ...rest } = schema as { description?: string };
    params.push({
      name,
      in: 'query',
      required: required.includes(name),
      ...(description !== undefined ? { description } : {}),
      schema: rest,
    });
  }
  for (const [name, description] of Object.entries(headers)) {
    params.push({ name, in: 'header', required: false, description, schema: { type: 'string' } });
  }
  return params;
}

function contentSchema(schema: z.ZodType | JsonSchema): JsonSchema {
  if (!(schema instanceof z.ZodType)) return schema;
  const id = API_SCHEMAS.get(schema)?.id;
  if (id === undefined) throw new Error('A response schema must be named in src/api/schemas.');
  return ref(id);
}

function response(doc: RouteResponseDoc) {
  return {
    description: doc.description,
    ...(doc.content
      ? {
          content: Object.fromEntries(
            Object.entries(doc.content).map(([type, schema]) => [
              type,
              { schema: contentSchema(schema) },
            ]),
          ),
        }
      : {}),
  };
}

const pascal = (text: string) =>
  text.replace(/(^|[-.])([a-z0-9])/g, (_m, _sep: string, c: string) => c.toUpperCase());

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the operations' input and output
 * schemas and the descriptions of the other routes: what `GET /api/openapi.json` serves.
 */
export function buildOpenApiDocument(
  operations: readonly AnyOperation[],
  routes: readonly RouteDoc[],
  version: string,
): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  const at = (path: string) => (paths[openApiPath(path)] ??= {});
  const bodies = z.registry<{ id: string }>();
  bodies.add(jsonValueSchema, { id: 'JsonValue' });
  const stripped = new Map<string, string[]>();
  const tags = new Set<string>();

  for (const op of operations) {
    if (!op.http) continue;
    const { method, path, status } = op.http;
    const outputId = API_SCHEMAS.get(op.output)?.id;
    if (outputId === undefined)
      throw new Error(`${op.component}.${op.name}: its output schema is not named.`);
    tags.add(op.component);
    let requestBody: unknown;
    if (method === 'POST') {
      const id = `${pascal(op.component)}${pascal(op.name)}Request`;
      bodies.add(op.input, { id });
      stripped.set(id, pathParams(path));
      requestBody = {
        required: false,
        content: { 'application/json': { schema: ref(id) } },
      };
    }
    at(path)[method.toLowerCase()] = {
      operationId: `${op.component}.${op.name}`,
      summary: op.summary,
      tags: [op.component],
      parameters: parameters(path, method === 'GET' ? op.input : undefined),
      ...(requestBody !== undefined ? { requestBody } : {}),
      responses: {
        [String(status ?? 200)]: {
          description: op.summary,
          content: { 'application/json': { schema: ref(outputId) } },
        },
        default: PROBLEM_RESPONSE,
      },
    };
  }

  for (const route of routes) {
    tags.add(route.tag);
    at(route.path)[route.method.toLowerCase()] = {
      operationId: `${route.tag}.${route.method.toLowerCase()}:${route.path}`,
      summary: route.summary,
      tags: [route.tag],
      parameters: parameters(route.path, route.query, route.headers),
      ...(route.body
        ? {
            requestBody: {
              required: route.body.required,
              content: Object.fromEntries(
                Object.entries(route.body.content).map(([type, schema]) => [type, { schema }]),
              ),
            },
          }
        : {}),
      responses: {
        ...Object.fromEntries(
          Object.entries(route.responses).map(([code, doc]) => [code, response(doc)]),
        ),
        ...(route.problems === false ? {} : { default: PROBLEM_RESPONSE }),
      },
    };
  }

  const requests = componentsOf(bodies, 'input');
  // Path parameters are merged into a POST body by the server; the client sends them in the path.
  for (const [id, names] of stripped) {
    const schema = requests[id] as { properties?: Record<string, unknown>; required?: string[] };
    for (const name of names) delete schema.properties?.[name];
    const required = schema.required?.filter((n) => !names.includes(n));
    if (required?.length) schema.required = required;
    else delete schema.required;
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'CIM HTTP API',
      version,
      description:
        'Every error is an RFC 7807 problem document (application/problem+json) with a stable `code`; docs/contracts.md has the rest.',
    },
    tags: [...tags].sort().map((name) => ({ name })),
    paths,
    components: {
      schemas: { ...componentsOf(API_SCHEMAS, 'output'), ...requests },
      responses: {
        Problem: {
          description: 'An RFC 7807 problem document saying what went wrong and what to do.',
          content: { 'application/problem+json': { schema: ref('Problem') } },
        },
      },
    },
  };
}
