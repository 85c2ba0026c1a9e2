import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { ConfigError, loadConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  new Logger('patent-ledger').log(
    `listening on http://${config.host}:${config.port} (store: ${config.store}${config.store === 'sqlite' ? ` ${config.dbFile}` : ''}); API docs at /docs`,
  );
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
