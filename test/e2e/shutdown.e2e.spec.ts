/**
 * SIGTERM under load (issue 12, item 6): the api, run as its own process (apps/api/src/main.ts), is
 * sent SIGTERM while clients keep sending commands. Every request it accepted gets a whole answer —
 * those in flight finish with 201, new ones get 503 SERVICE.SHUTTING_DOWN — none is cut off, the
 * process exits 0, and every acknowledged command is in the ledger (and no refused one).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { typescriptPrelude } from '@patent-ledger/eventsourcing';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import { applicationNumber, E2E_TOKEN_KEY_FILE, EXAMPLES, inventoryBody, PARTIES, tokenFor } from './harness';

const ROOT = join(__dirname, '..', '..');

interface Answer {
  number: string;
  sentAt: number;
  answeredAt: number;
  status?: number;
  code?: string | undefined;
  /** A transport error (the request got no whole answer). */
  error?: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** One request on a connection of its own (`Connection: close`), so no keep-alive race blurs the result. */
/**
 * Sends a request whose body is written by `write` (all at once, or in parts), answering with its
 * status and body.
 */
function sendRequest(
  port: number,
  path: string,
  token: string,
  data: Buffer,
  method: string,
  write: (req: ReturnType<typeof httpRequest>) => void,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        agent: false,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': data.length,
          Authorization: `Bearer ${token}`,
          Connection: 'close',
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    write(req);
  });
}

function post(
  port: number,
  path: string,
  token: string,
  body: unknown,
  method = 'POST',
): Promise<{ status: number; body: string }> {
  const data = Buffer.from(JSON.stringify(body));
  return sendRequest(port, path, token, data, method, (req) => req.end(data));
}

/**
 * A POST whose body arrives in two parts: the headers and half the body now (the api takes the
 * request in and counts it in flight while it waits for the rest), the other half on `finish()`.
 */
function postInTwoParts(
  port: number,
  path: string,
  token: string,
  body: unknown,
): { finish(): Promise<{ status: number; body: string }> } {
  const data = Buffer.from(JSON.stringify(body));
  const half = Math.floor(data.length / 2);
  let req!: ReturnType<typeof httpRequest>;
  const answer = sendRequest(port, path, token, data, 'POST', (r) => {
    req = r;
    r.flushHeaders();
    r.write(data.subarray(0, half));
  });
  return {
    finish: () => {
      req.end(data.subarray(half));
      return answer;
    },
  };
}

describe('SIGTERM under load', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (dir)
      for (const d of [dir, `${dir}-keys`, `${dir}-witness`]) rmSync(d, { recursive: true, force: true });
  });

  it('finishes the requests in flight, answers new ones 503 SERVICE.SHUTTING_DOWN, cuts none, then exits 0', async () => {
    dir = mkdtempSync(join(tmpdir(), 'patent-ledger-sigterm-'));
    const port = await freePort();
    const office = await tokenFor(PARTIES.ipOffice);
    const institution = await tokenFor(PARTIES.institution);
    const script = `${typescriptPrelude(join(ROOT, 'libs'))}
      require(${JSON.stringify(join(ROOT, 'apps', 'api', 'src', 'main.ts'))});`;
    child = spawn(process.execPath, ['-e', script], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LEDGER_DB: join(dir, 'ledger.db'),
        LEDGER_READ_DB: join(dir, 'read-models.db'),
        LEDGER_TOKEN_KEY_FILE: E2E_TOKEN_KEY_FILE,
        LEDGER_SIGNING_KEY_FILE: join(`${dir}-keys`, 'signing-key.pem'),
        LEDGER_WITNESS_DIR: `${dir}-witness`,
        LEDGER_RATE_LIMIT: '0',
        LEDGER_SHUTDOWN_GRACE_MS: '30000',
        LEDGER_LOG_LEVEL: 'log',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (log += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (log += c));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child!.on('exit', (code, signal) => resolve({ code, signal })),
    );
    for (let i = 0; !/listening on http/.test(log); i++) {
      if (child.exitCode !== null || i > 1200) throw new Error(`the api did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const registered = await post(
      port,
      `/institutions/${PARTIES.institution.orgId}`,
      office,
      EXAMPLES.institution,
      'PUT',
    );
    expect(registered.status).toBe(201);

    // Sixteen clients send inventories back to back; each stops at its first 503 (as Retry-After asks).
    const answers: Answer[] = [];
    let serial = 0;
    let acknowledgedBeforeSignal = 0;
    let signalledAt = Infinity;
    const client = async (): Promise<void> => {
      for (;;) {
        const number = applicationNumber(2021, 1, 800_000 + ++serial);
        const a: Answer = { number, sentAt: Date.now(), answeredAt: 0 };
        answers.push(a);
        try {
          const res = await post(port, '/patents', institution, inventoryBody(number));
          a.status = res.status;
          a.code = (JSON.parse(res.body) as { code?: string }).code;
        } catch (err) {
          a.error = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        }
        a.answeredAt = Date.now();
        if (a.status === 201 && a.answeredAt < signalledAt) acknowledgedBeforeSignal++;
        if (a.status !== 201) return;
      }
    };
    const clients = Array.from({ length: 16 }, () => client());
    while (acknowledgedBeforeSignal < 100) await new Promise((r) => setTimeout(r, 5));
    // One request surely in flight when the signal comes, whatever the timing of the others: its
    // body is only half sent.
    const slowNumber = applicationNumber(2021, 1, 799_999);
    const slowAnswer: Answer = { number: slowNumber, sentAt: Date.now(), answeredAt: 0 };
    answers.push(slowAnswer);
    const slow = postInTwoParts(port, '/patents', institution, inventoryBody(slowNumber));
    await new Promise((r) => setTimeout(r, 200));
    signalledAt = Date.now();
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    const slowRes = await slow.finish();
    slowAnswer.status = slowRes.status;
    slowAnswer.code = (JSON.parse(slowRes.body) as { code?: string }).code;
    slowAnswer.answeredAt = Date.now();
    expect(slowAnswer.status).toBe(201);
    await Promise.all(clients);
    const { code, signal } = await exited;
    expect({ code, signal, log: code === 0 ? '' : log }).toEqual({ code: 0, signal: null, log: '' });

    // Requests were in flight when the signal came, and they finished.
    const inFlight = Number(/SIGTERM: draining (\d+) request/.exec(log)?.[1] ?? -1);
    expect(inFlight).toBeGreaterThan(0);
    const finishedAfterSignal = answers.filter(
      (a) => a.sentAt < signalledAt && a.answeredAt >= signalledAt && a.status === 201,
    );
    expect(finishedAfterSignal.length).toBeGreaterThan(0);
    // Every request got a whole answer: 201, or 503 SERVICE.SHUTTING_DOWN; a client that came after
    // the listener closed was refused a connection (nothing sent), never cut off mid-request.
    const outcome = (a: Answer) => a.error ?? `${a.status} ${a.status === 201 ? '' : a.code}`;
    const cut = answers
      .filter((a) => !['201 ', '503 SERVICE.SHUTTING_DOWN', 'ECONNREFUSED'].includes(outcome(a)))
      .map((a) => ({
        outcome: outcome(a),
        sentAfterSignalMs: a.sentAt - signalledAt,
        tookMs: a.answeredAt - a.sentAt,
      }));
    expect(cut).toEqual([]);
    expect(answers.map(outcome)).toContain('503 SERVICE.SHUTTING_DOWN');

    // The ledger holds every acknowledged command and none that was refused.
    const store = SqliteEventStore.open(join(dir, 'ledger.db'));
    try {
      for (const a of answers) {
        const version = await store.streamVersion(`patent-${a.number}`);
        if (a.status === 201) expect({ number: a.number, version }).toEqual({ number: a.number, version: 1 });
        else expect({ number: a.number, version }).toEqual({ number: a.number, version: 0 });
      }
    } finally {
      await store.close();
    }
  }, 180_000);
});
