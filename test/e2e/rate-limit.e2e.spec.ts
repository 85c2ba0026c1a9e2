/** Per-principal rate limits: one caller's flood is answered 429 without slowing another caller down. */
import { actors, expectProblem, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { LEDGER_RATE_LIMIT: '5', LEDGER_LOGIN_RATE_LIMIT: '3' } });
});
afterAll(() => h.close());

it('the 6th request of a principal within a minute is 429 RATE.LIMITED with Retry-After; another principal is unaffected', async () => {
  for (let i = 0; i < 5; i++) {
    expect((await h.http().get('/progress').set(actors.analyst)).status).toBe(200);
  }
  const limited = await h.http().get('/progress').set(actors.analyst);
  expectProblem(limited, 429, 'RATE.LIMITED');
  expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  expect((await h.http().get('/progress').set(actors.auditor)).status).toBe(200);
});

it('sign-ins are limited per client address, before any password is checked', async () => {
  for (let i = 0; i < 3; i++) {
    const res = await h
      .anonymous()
      .post('/auth/login')
      .send({ user: 'nobody', password: 'not the password' });
    expect(res.status).toBe(401);
  }
  const limited = await h
    .anonymous()
    .post('/auth/login')
    .send({ user: 'nobody', password: 'not the password' });
  expectProblem(limited, 429, 'RATE.LIMITED');
});
