import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileErrors, validate } from '@readme/openapi-parser';
import { buildOpenApiDocument, openApiPath } from './openapi.js';
import { OPERATIONS } from './operations/index.js';
import { ROUTE_DOCS } from './route-docs.js';

const document = buildOpenApiDocument(OPERATIONS, ROUTE_DOCS, '0.0.0-test');

test('the generated document is valid OpenAPI 3.1, every reference resolving', async () => {
  // The validator dereferences the document in place: hand it a copy.
  const result = await validate(structuredClone(document) as never);
  assert.ok(result.valid, result.valid ? '' : compileErrors(result));
  assert.equal(result.specification, 'OpenAPI');
  assert.equal(document.openapi, '3.1.0');
});

test('every operation and every other route is in the document, by method and path', () => {
  const expected = [
    ...OPERATIONS.flatMap((op) => (op.http ? [[op.http.method, op.http.path] as const] : [])),
    ...ROUTE_DOCS.map((route) => [route.method, route.path] as const),
  ];
  for (const [method, path] of expected) {
    const item = document.paths[openApiPath(path)];
    assert.ok(item?.[method.toLowerCase()], `${method} ${path} is not in the document`);
  }
});

test('operations answer errors with problem documents and replies with their output schema', () => {
  const op = document.paths['/api/units/{cid}']?.['get'] as {
    parameters: { name: string; in: string; required: boolean }[];
    responses: Record<string, unknown>;
  };
  assert.deepEqual(op.parameters[0], {
    name: 'cid',
    in: 'path',
    required: true,
    schema: { type: 'string', minLength: 10, maxLength: 200 },
  });
  assert.deepEqual(op.responses['200'], {
    description: 'One unit and the versions of its document.',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/UnitDetail' } } },
  });
  assert.deepEqual(op.responses['default'], { $ref: '#/components/responses/Problem' });
});

test('a POST body leaves out the path parameters the client sends in the path', () => {
  const body = document.components.schemas['PipelinePauseRequest'] as {
    properties: Record<string, unknown>;
    required?: string[];
  };
  assert.deepEqual(Object.keys(body.properties), ['reason']);
  assert.equal(body.required, undefined);
});
