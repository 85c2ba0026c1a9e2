/** An SSE client for the suites: fetch + eventsource-parser against the harness's app on a loopback port. */
import type { AddressInfo } from 'node:net';
import { createParser } from 'eventsource-parser';
import type { CloudEvent } from '@patent-ledger/publishers';
import type { Harness } from '../e2e/harness';

export interface SseMessage {
  id: string | undefined;
  event: string | undefined;
  data: CloudEvent;
}

export interface SseStream {
  status: number;
  contentType: string | null;
  messages: SseMessage[];
  /** Resolves once `cond` holds for the messages so far (bounded: rejects after `timeoutMs`). */
  until(cond: (m: SseMessage[]) => boolean, timeoutMs?: number): Promise<SseMessage[]>;
  close(): void;
}

/** The harness's app listening on a loopback port (once per app). */
export async function baseUrl(h: Harness): Promise<string> {
  const server = h.app().getHttpServer();
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function openSse(h: Harness, path: string, headers: Record<string, string>): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(`${await baseUrl(h)}${path}`, {
    headers: { Accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  const messages: SseMessage[] = [];
  let wake: (() => void) | undefined;
  const parser = createParser({
    onEvent: (e) => {
      messages.push({ id: e.id, event: e.event, data: JSON.parse(e.data) as CloudEvent });
      wake?.();
    },
  });
  let ended = false;
  if (res.body && res.status === 200) {
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
          parser.feed(decoder.decode(chunk, { stream: true }));
      } catch {
        // aborted
      }
      ended = true;
      wake?.();
    })();
  }
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    messages,
    async until(cond, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!cond(messages)) {
        if (ended) throw new Error(`the stream ended after ${messages.length} messages`);
        if (Date.now() > deadline)
          throw new Error(`not reached within ${timeoutMs} ms; got ${messages.length} messages`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
      return messages;
    },
    close: () => controller.abort(),
  };
}
