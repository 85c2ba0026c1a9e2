/**
 * The OpenAPI document: valid OpenAPI 3.1 (by @readme/openapi-parser), every operation with its
 * success and error responses and their schemas, every parameter described, the bearer scheme — and
 * the api's real answers match the schemas it documents.
 */
import { validate, compileErrors } from '@readme/openapi-parser';
import Ajv2020 from 'ajv/dist/2020';
import {
  actors,
  EXAMPLES,
  headPosition,
  pooledPatent,
  registerInstitution,
  send,
  startHarness,
  type Harness,
} from './harness';

type Json = Record<string, unknown>;
type Operation = {
  parameters?: { name: string; in: string; description?: string }[];
  responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
  security?: unknown[];
};

let h: Harness;
let doc: { openapi: string; paths: Record<string, Record<string, Operation>>; components: Json };

beforeAll(async () => {
  h = await startHarness();
  const res = await h.anonymous().get('/docs-json');
  expect(res.status).toBe(200);
  doc = res.body;
});
afterAll(async () => {
  await h.close();
});

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => ['get', 'put', 'post', 'delete', 'patch'].includes(m))
      .map(([method, op]) => ({ key: `${method} ${path}`, op })),
  );

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? 'valid' : compileErrors(result)).toBe('valid');
  });

  it('documents every success response with a schema', () => {
    const missing = operations()
      .filter(({ op }) => {
        const ok = Object.entries(op.responses).filter(([s]) => /^2/.test(s));
        return (
          ok.length === 0 ||
          ok.some(([s, r]) => s !== '204' && !Object.values(r.content ?? {}).some((c) => c.schema))
        );
      })
      .map(({ key }) => key);
    expect(missing).toEqual([]);
  });

  it('documents every error response as problem+json', () => {
    const wrong: string[] = [];
    for (const { key, op } of operations()) {
      const errors = Object.entries(op.responses).filter(([s]) => /^[45]|default/.test(s));
      if (!errors.some(([s]) => s === 'default')) wrong.push(`${key}: no default error`);
      for (const [s, r] of errors) {
        if (r.content?.['application/problem+json']?.schema?.['$ref'] !== '#/components/schemas/Problem')
          wrong.push(`${key} ${s}`);
      }
      if ((op.security ?? [{}]).length > 0 && !op.responses['401']) wrong.push(`${key}: no 401`);
    }
    expect(wrong).toEqual([]);
  });

  it('describes every parameter', () => {
    const undescribed = operations().flatMap(({ key, op }) =>
      (op.parameters ?? []).filter((p) => !p.description).map((p) => `${key} ${p.in} ${p.name}`),
    );
    expect(undescribed).toEqual([]);
  });

  it('documents the bearer scheme, and no credential for the public operations', () => {
    expect((doc.components['securitySchemes'] as Json)['bearer']).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    for (const key of ['get /health', 'get /']) {
      const [method, path] = key.split(' ') as [string, string];
      expect({ key, security: doc.paths[path]![method]!.security }).toEqual({ key, security: [] });
    }
  });

  it("the api's answers match the schemas it documents", async () => {
    await registerInstitution(h);
    await pooledPatent(h, '201710601862.3');
    const command = await send(h, 'post', '/patents/201710601862.3/evaluations', EXAMPLES.evaluation, {
      headers: actors.enterprise,
    });
    const position = await headPosition(h);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv
      .addFormat('date', /^\d{4}-\d{2}-\d{2}$/)
      .addFormat('date-time', () => true)
      .addFormat('uuid', () => true);
    ajv.addSchema({ $id: 'doc', components: doc.components });
    const schemaOf = (key: string, status: string, type = 'application/json'): Json => {
      const [method, path] = key.split(' ') as [string, string];
      const schema = doc.paths[path]![method]!.responses[status]!.content![type]!.schema!;
      return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')) as Json;
    };
    const check = (key: string, status: string, body: unknown, type?: string) => {
      const valid = ajv.validate(schemaOf(key, status, type), body);
      expect({ key, errors: valid ? [] : ajv.errors }).toEqual({ key, errors: [] });
    };
    check('post /patents/{id}/evaluations', '201', command.body);
    const reads: [string, string][] = [
      ['get /', '/'],
      ['get /health', '/health'],
      ['get /patents/{id}', '/patents/201710601862.3'],
      ['get /patents/{id}/history', '/patents/201710601862.3/history'],
      ['get /patents/{id}/events', '/patents/201710601862.3/events'],
      ['get /patents/{id}/verify', '/patents/201710601862.3/verify'],
      ['get /patents/{id}/evidence', '/patents/201710601862.3/evidence'],
      ['get /patents/{id}/provenance', '/patents/201710601862.3/provenance'],
      ['get /institutions/{institutionId}', '/institutions/tyut'],
      ['get /resource-pool', `/resource-pool?minPosition=${position}`],
      ['get /resource-pool/{id}', '/resource-pool/201710601862.3'],
      ['get /obligations', '/obligations'],
      ['get /progress', '/progress'],
      ['get /audit', '/audit'],
      ['get /projections', '/projections'],
    ];
    for (const [key, url] of reads) {
      const res = await h.http().get(url);
      expect({ url, status: res.status }).toEqual({ url, status: 200 });
      check(key, '200', res.body);
    }
    const notFound = await h.http().get('/patents/201820012345.7');
    check('get /patents/{id}', '404', notFound.body, 'application/problem+json');
    const invalid = await send(h, 'post', '/patents', {}, { headers: actors.institution });
    check('post /patents', '400', invalid.body, 'application/problem+json');
  });
});
