/**
 * The OpenAPI document declares how to authenticate and, on every operation, who may call it (the
 * policy row of libs/access), so a client knows before it is refused.
 */
import { startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

it('declares the bearer scheme, and each operation its security and policy row (x-access)', async () => {
  const res = await h.anonymous().get('/docs-json');
  expect(res.status).toBe(200);
  const doc = res.body as {
    components: { securitySchemes: Record<string, { type: string; scheme: string }> };
    paths: Record<string, Record<string, { security?: unknown[]; 'x-access'?: unknown }>>;
  };
  expect(doc.components.securitySchemes['bearer']).toMatchObject({ type: 'http', scheme: 'bearer' });
  const undocumented: string[] = [];
  const publicOps: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const access = op['x-access'] as { rule: string; allowedTo: string } | 'unknown' | undefined;
      if (!access || access === 'unknown') undocumented.push(`${method} ${path}`);
      else if (access.rule === 'public') {
        publicOps.push(`${method} ${path}`);
        expect(op.security).toEqual([]);
      } else {
        expect({ op: `${method} ${path}`, security: op.security }).toEqual({
          op: `${method} ${path}`,
          security: [{ bearer: [] }],
        });
        expect(access.allowedTo.length).toBeGreaterThan(0);
      }
    }
  }
  expect(undocumented).toEqual([]);
  expect(publicOps.sort()).toEqual(expect.arrayContaining(['get /health', 'post /auth/login'].sort()));
});

it('the public operations answer without a credential; the others answer 401 with WWW-Authenticate', async () => {
  expect((await h.anonymous().get('/health')).status).toBe(200);
  const denied = await h.anonymous().get('/progress');
  expect(denied.status).toBe(401);
  expect(denied.headers['www-authenticate']).toMatch(/^Bearer realm="patent-ledger"/);
  expect(denied.headers['content-type']).toMatch(/^application\/problem\+json/);
});

it('the document tells the truth: every GET it calls public answers without a credential, every other one needs one', async () => {
  const doc = (await h.anonymous().get('/docs-json')).body as {
    paths: Record<string, Record<string, { 'x-access'?: { rule: string } }>>;
  };
  const wrong: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    const op = item['get'];
    if (!op) continue;
    const concrete = path.replace('{id}', '201710601862.3').replace(/\{[^}]+\}/g, 'x');
    const res = await h.anonymous().get(concrete);
    const isPublic = op['x-access']?.rule === 'public';
    if (isPublic === (res.status === 401)) wrong.push(`GET ${path} → ${res.status}`);
  }
  expect(wrong).toEqual([]);
});
