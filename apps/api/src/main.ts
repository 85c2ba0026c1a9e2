import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import type { EventStore } from '@patent-ledger/eventsourcing';
import { firstTokenHint } from './auth/first-token';
import { ConfigError, loadConfig } from './config';
import { EVENT_STORE } from './ledger/tokens';
import type { Server } from 'node:http';
import { Drain } from './lifecycle/drain';

async function main(): Promise<void> {
  const config = loadConfig();
  const drain = new Drain();
  const app = await createApp(config, { drain });
  const server = app.getHttpServer() as Server;
  // Slow or stalled clients cannot hold connections for ever.
  server.headersTimeout = config.http.headersTimeoutMs;
  server.requestTimeout = config.http.requestTimeoutMs;
  server.keepAliveTimeout = config.http.keepAliveTimeoutMs;
  await app.listen(config.port, config.host);
  const log = new Logger('patent-ledger');
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      log.log(
        `${signal}: draining ${drain.active} request(s) in flight (at most ${config.http.shutdownGraceMs} ms)`,
      );
      void drain
        .drain(server, config.http.shutdownGraceMs)
        .then(({ cut }) => {
          if (cut > 0) log.warn(`${cut} request(s) still in flight after the grace period`);
          return app.close();
        })
        .then(
          () => process.exit(0),
          (err: unknown) => {
            log.error(`shutdown failed: ${(err as Error).message}`);
            process.exit(1);
          },
        );
    });
  }
  log.log(
    `listening on http://${config.host}:${config.port} (store: ${config.store}${config.store === 'sqlite' ? ` ${config.dbFile}` : ''}); API docs at /docs`,
  );
  const store = app.get<EventStore>(EVENT_STORE);
  if ((await store.headPosition()) === 0) {
    // An empty ledger: say how to get a first credential (every request but /health needs one).
    log.log(firstTokenHint(config));
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`patent-ledger: configuration error: ${err.message}\n`);
  } else {
    process.stderr.write(
      `patent-ledger: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  }
  process.exit(1);
});
