import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { EventStore } from '@patent-ledger/eventsourcing';
import type { ReadModels } from '@patent-ledger/read-models';
import { AppModule } from './app.module';
import { openReadModels, openStore } from './stores';
import { requireJsonBody } from './common/content-type.middleware';
import { ProblemFilter } from './common/problem.filter';
import { rejectUnsafeJson } from './common/json-hygiene';
import { DenialRecorder } from './auth/denials';
import { documentAccess } from './auth/openapi-access';
import type { Drain } from './lifecycle/drain';
import { documentResponses } from './common/openapi';
import { ledgerValidationPipe } from './common/validation';
import type { LedgerConfig } from './config';
import type { Clock } from './ledger/tokens';
import { httpObserver } from './observability/http-observer';
import { ledgerLogger } from './observability/json-logger';
import { MetricsService } from './observability/metrics.service';
import { startTracing } from './observability/tracing';

// Opening the stores lives in ./stores (no NestJS), shared with the CLI.
export { openReadModels, openStore, readModelsSchema } from './stores';

export interface CreateAppOptions {
  store?: EventStore;
  readModels?: ReadModels;
  clock?: Clock;
  logger?: false;
  /** Graceful shutdown (main.ts): counts requests in flight and refuses new ones while draining. */
  drain?: Drain;
}

/** Builds the HTTP application (not yet listening): used by main.ts and the e2e suites. */
export async function createApp(
  config: LedgerConfig,
  options: CreateAppOptions = {},
): Promise<NestExpressApplication> {
  const store = options.store ?? (await openStore(config, { writerThread: true }));
  const readModels = options.readModels ?? (await openReadModels(config));
  // Traces (off unless LEDGER_OTEL_TRACES_URL): stopped when the app shuts down (TracingLifecycle).
  await startTracing(config.observability);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.register({ config, store, readModels, ...(options.clock ? { clock: options.clock } : {}) }),
    {
      bodyParser: false,
      logger:
        options.logger === false ? false : ledgerLogger(config.observability.logFormat, config.logLevel),
    },
  );
  // First: the correlation id of every log line, the HTTP metrics and the request's span.
  app.use(httpObserver(app.get(MetricsService)));
  if (options.drain) app.use(options.drain.middleware);
  app.use(requireJsonBody);
  app.useBodyParser('json', {
    limit: config.bodyLimitBytes,
    type: ['application/json', 'application/*+json'],
  });
  // No control characters, lone surrogates or bidi overrides in any text; no __proto__; bounded depth.
  app.use(rejectUnsafeJson);
  app.useGlobalPipes(ledgerValidationPipe());
  const denials = app.get(DenialRecorder);
  app.useGlobalFilters(new ProblemFilter((req, err) => denials.recordRequest(req, err)));
  app.disable('x-powered-by');
  // main.ts drains on SIGTERM/SIGINT before it closes the app; elsewhere (tests) the app is closed by its owner.
  if (!options.drain) app.enableShutdownHooks();

  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('patent-ledger')
      .setDescription(
        'System of record for the stock-patent revitalization programme (存量专利盘活): commands append events to each patent; errors are RFC 9457 problem+json.',
      )
      .setVersion('0.1.0')
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A token from `patent-ledger token`, POST /auth/login or the configured SSO provider',
        },
        'bearer',
      )
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup('docs', app, documentResponses(documentAccess(doc)), { jsonDocumentUrl: 'docs-json' });
  return app;
}
