import { startHarness, send, registerInstitution, inventory, EXAMPLES, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

it('probe', async () => {
  const show = (label: string, r: { status: number; headers: Record<string, string>; text: string }) =>
    console.log(label, r.status, r.headers['content-type'], r.text.slice(0, 600));
  show('put', await registerInstitution(h));
  show('reput', await send(h, 'put', '/institutions/tyut', EXAMPLES.institution));
  show('inv', await inventory(h, '201710601862.3'));
  show('malformed', await h.http().post('/patents').set('Content-Type', 'application/json').send('{"a":'));
  show(
    'big',
    await h
      .http()
      .post('/patents')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ title: 'x'.repeat(1_100_000) })),
  );
  show('text', await h.http().post('/patents').set('Content-Type', 'text/plain').send('hello'));
  show('array', await h.http().post('/patents').send([]));
  show('array2', await h.http().post('/patents/201710601862.3/intent').send([EXAMPLES.intent]));
  show('nojson', await h.http().post('/patents/201710601862.3/intent'));
  show('route', await h.http().get('/nope'));
  show('route2', await h.http().post('/patents/201710601862.3/nope').send({}));
  show('docs', await h.http().get('/docs'));
  show('docs-json', await h.http().get('/docs-json'));
  show('empty', await h.http().post('/patents').send({}));
  show('events', await h.http().get('/patents/201710601862.3/events'));
});
