/**
 * OpenTelemetry traces, off unless LEDGER_OTEL_TRACES_URL names an OTLP/HTTP endpoint. One trace per
 * request: the HTTP span (`POST /patents/:id/intent`), the command (`command TagIntent`), its
 * `decide` and `append` (timed where they ran, the ledger thread on SQLite) and `project` (from the
 * append to the moment every projection has applied its events). Each span carries the correlation id.
 */
import { context, trace, SpanKind, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import type { ObservabilityConfig } from './observability-config';

let sdk: NodeSDK | undefined;
let starting: Promise<void> | undefined;
let users = 0;

export const CORRELATION_ATTRIBUTE = 'ledger.correlation_id';

/** Starts the SDK once per process (several apps in one process share it); no-op when not configured. */
export async function startTracing(
  config: Pick<ObservabilityConfig, 'tracesUrl' | 'serviceName'>,
): Promise<void> {
  const url = config.tracesUrl;
  if (!url) return;
  users += 1;
  starting ??= (async () => {
    const { NodeSDK } = await import('@opentelemetry/sdk-node');
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    sdk = new NodeSDK({
      serviceName: config.serviceName,
      traceExporter: new OTLPTraceExporter({ url }),
      instrumentations: [],
      // Only traces: no log or metric exporters (metrics are Prometheus's).
      logRecordProcessors: [],
      metricReaders: [],
      autoDetectResources: false,
    });
    sdk.start();
  })();
  await starting;
}

/** Flushes and stops the SDK when the last app that started it stops. */
export async function stopTracing(): Promise<void> {
  if (users === 0) return;
  users -= 1;
  if (users > 0 || !sdk) return;
  const s = sdk;
  sdk = undefined;
  starting = undefined;
  await s.shutdown().catch(() => undefined);
}

export const tracingOn = (): boolean => sdk !== undefined;

export const tracer = (): Tracer => trace.getTracer('patent-ledger');

/** Runs `fn` inside a new active span (ended when it settles; an error marks it failed). */
export async function inSpan<T>(
  name: string,
  attributes: Record<string, string | number | boolean>,
  fn: (span: Span) => Promise<T>,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  const span = tracer().startSpan(name, { kind, attributes });
  try {
    return await context.with(trace.setSpan(context.active(), span), () => fn(span));
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
    throw err;
  } finally {
    span.end();
  }
}

/** A finished child span of the active one, from times measured elsewhere (epoch ms). */
export function recordSpan(
  name: string,
  start: number,
  end: number,
  attributes: Record<string, string | number>,
): void {
  tracer().startSpan(name, { startTime: start, attributes }).end(end);
}

export { context, trace, SpanKind, SpanStatusCode };

/** Stops the traces of an app when it shuts down (see startTracing). */
export class TracingLifecycle {
  async onApplicationShutdown(): Promise<void> {
    await stopTracing();
  }
}
