/**
 * The projector's own thread (LEDGER_PROJECTOR=worker): opens its own connections to the event store
 * and the read models from the configuration, brings the projections up to date (creating or
 * rebuilding them), then follows the log — so projecting never takes time from the thread that
 * answers HTTP requests. It talks to the api thread through ProjectorMessage / ProjectorReply.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Projector, type EventStore, type ProjectionStatus } from '@patent-ledger/eventsourcing';
import type { ReadModels } from '@patent-ledger/read-models';
import type { LedgerConfig } from '../config';
import { openReadModels, openStore } from '../stores';

/** api thread → projector thread */
export type ProjectorMessage =
  | { type: 'poke' }
  | { type: 'status'; id: number }
  | { type: 'resume'; id: number; name: string }
  | { type: 'stop' };

/** projector thread → api thread */
export type ProjectorReply =
  | { type: 'ready' }
  | { type: 'error'; message: string }
  | { type: 'fatal'; message: string }
  | { type: 'status'; id: number; status: ProjectionStatus[] }
  | { type: 'resumed'; id: number; resumed: boolean }
  | { type: 'stopped' };

/** Names this module for type-only imports, which keep it in every compilation that starts the thread. */
export type ProjectorThreadModule = 'projector-thread';

export interface ProjectorThreadData {
  config: LedgerConfig;
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('projector-thread must run in a worker thread');
  const post = (m: ProjectorReply): void => port.postMessage(m);
  const { config } = workerData as ProjectorThreadData;
  let store: EventStore | undefined;
  let readModels: ReadModels | undefined;
  let projector: Projector | undefined;
  let stopping = false;
  let started = false;

  const stop = async (): Promise<void> => {
    stopping = true;
    await projector?.stop();
    await readModels?.close();
    await store?.close();
    post({ type: 'stopped' });
    port.close();
  };

  // Until the projector runs (a rebuild may take long), status answers empty (the api thread then
  // reports checkpoints itself), resume answers false and pokes are not needed (it catches up first).
  port.on('message', (m: ProjectorMessage) => {
    if (m.type === 'stop') {
      void stop();
      return;
    }
    void (async () => {
      const running = !stopping && started ? projector : undefined;
      switch (m.type) {
        case 'poke':
          running?.poke();
          return;
        case 'status': {
          let status: ProjectionStatus[] = [];
          try {
            status = running ? await running.status() : [];
          } catch (err) {
            post({ type: 'error', message: (err as Error).message });
          }
          post({ type: 'status', id: m.id, status });
          return;
        }
        case 'resume':
          post({ type: 'resumed', id: m.id, resumed: running ? running.resume(m.name) : false });
          return;
      }
    })();
  });

  try {
    store = await openStore(config);
    readModels = await openReadModels(config);
    projector = new Projector(store, readModels, {
      batchSize: config.projectorBatchSize,
      onError: (err) => post({ type: 'error', message: err.message }),
    });
    await readModels.init(store);
    await projector.init();
    if (stopping) return;
    projector.start();
    started = true;
    post({ type: 'ready' });
  } catch (err) {
    post({ type: 'fatal', message: (err as Error).message });
    await readModels?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    port.close();
  }
}

void main();
