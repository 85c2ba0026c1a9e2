import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Settings of metrics, traces and logs (LEDGER_METRICS_TOKEN_FILE, LEDGER_OTEL_*, LEDGER_LOG_FORMAT). */
export interface ObservabilityConfig {
  /** A file holding the bearer token Prometheus scrapes `/metrics` with (besides an ip-office admin's token). */
  metricsTokenFile: string | undefined;
  /** OTLP/HTTP endpoint that receives traces, e.g. http://127.0.0.1:4318/v1/traces; undefined: tracing off. */
  tracesUrl: string | undefined;
  serviceName: string;
  /** `json` (one object a line, with the correlation id) or `text` (NestJS's console format). */
  logFormat: 'json' | 'text';
}

type Fail = (message: string) => Error;

export function observabilityConfig(env: NodeJS.ProcessEnv, fail: Fail): ObservabilityConfig {
  const tokenFile = env['LEDGER_METRICS_TOKEN_FILE'] ? resolve(env['LEDGER_METRICS_TOKEN_FILE']) : undefined;
  if (tokenFile) {
    let token: string;
    try {
      token = readFileSync(tokenFile, 'utf8').trim();
    } catch (err) {
      throw fail(`LEDGER_METRICS_TOKEN_FILE=${tokenFile} cannot be read: ${(err as Error).message}`);
    }
    if (!/^[\x21-\x7e]{32,1024}$/.test(token))
      throw fail(
        `LEDGER_METRICS_TOKEN_FILE=${tokenFile} is invalid: it must hold one token of 32-1024 visible ASCII characters`,
      );
  }
  const tracesUrl = env['LEDGER_OTEL_TRACES_URL'] || undefined;
  if (tracesUrl && !/^https?:\/\/\S+$/.test(tracesUrl))
    throw fail(
      `LEDGER_OTEL_TRACES_URL=${tracesUrl} is invalid: expected an http(s) URL such as http://127.0.0.1:4318/v1/traces`,
    );
  const serviceName = env['LEDGER_OTEL_SERVICE_NAME'] || 'patent-ledger';
  if (!/^[\x21-\x7e]{1,128}$/.test(serviceName))
    throw fail(`LEDGER_OTEL_SERVICE_NAME=${serviceName} is invalid: 1-128 visible ASCII characters`);
  const logFormat = env['LEDGER_LOG_FORMAT'] || 'json';
  if (logFormat !== 'json' && logFormat !== 'text')
    throw fail(`LEDGER_LOG_FORMAT=${logFormat} is invalid: expected one of json, text`);
  return { metricsTokenFile: tokenFile, tracesUrl, serviceName, logFormat };
}
