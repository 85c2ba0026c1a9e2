/** OpenTelemetry traces (LEDGER_OTEL_TRACES_URL): HTTP → command → decide → append → project, one trace, with the correlation id. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  actors,
  applicationNumber,
  inventoryBody,
  registerInstitution,
  send,
  startHarness,
  type Harness,
} from '../e2e/harness';
import { eventually } from '../events/support';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}

describe('traces', () => {
  let h: Harness;
  let collector: Server;
  const spans: OtlpSpan[] = [];

  beforeAll(async () => {
    process.env['OTEL_BSP_SCHEDULE_DELAY'] = '50';
    collector = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d));
      req.on('end', () => {
        const doc = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const r of doc.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans);
        res.setHeader('content-type', 'application/json');
        res.end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;
    h = await startHarness({ env: { LEDGER_OTEL_TRACES_URL: url, LEDGER_REMINDER_DAYS: 'off' } });
    await registerInstitution(h);
  });
  afterAll(async () => {
    await h.close();
    collector.close();
    delete process.env['OTEL_BSP_SCHEDULE_DELAY'];
  });

  it('one trace spans the request, the command, its decide and append, and the projection, each with the correlation id', async () => {
    const res = await send(h, 'post', '/patents', inventoryBody(applicationNumber(2017, 1, 9401)), {
      headers: { ...actors.institution, 'X-Correlation-Id': 'trace-me-1' },
    });
    expect(res.status).toBe(201);
    const attr = (s: OtlpSpan, key: string) => s.attributes.find((a) => a.key === key)?.value.stringValue;
    const mine = () => spans.filter((s) => attr(s, 'ledger.correlation_id') === 'trace-me-1');
    await eventually(
      'the spans are exported',
      async () => ['POST /patents', 'project'].every((n) => mine().some((s) => s.name === n)),
      20_000,
    );
    const byName = new Map(mine().map((s) => [s.name, s]));
    const http = byName.get('POST /patents')!;
    const command = byName.get('command InventoryPatent')!;
    const decide = byName.get('decide')!;
    const append = byName.get('append')!;
    const project = byName.get('project')!;
    for (const s of [command, decide, append, project]) expect(s?.traceId).toBe(http.traceId);
    expect(command.parentSpanId).toBe(http.spanId);
    for (const s of [decide, append, project]) expect(s.parentSpanId).toBe(command.spanId);
    expect(attr(http, 'http.route')).toBe('/patents');
  });
});
