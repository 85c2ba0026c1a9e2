import { Injectable } from '@nestjs/common';
import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { EventsAppended } from '../ledger/messages';

/**
 * Tells the api's subscribers (SSE streams, publishers) that events were appended in this process, so
 * they read them now instead of at their next poll (which covers appends by other processes).
 */
@Injectable()
export class AppendNotifier {
  private readonly listeners = new Set<() => void>();

  listen(wake: () => void): () => void {
    this.listeners.add(wake);
    return () => void this.listeners.delete(wake);
  }

  notify(): void {
    for (const wake of this.listeners) wake();
  }
}

@EventsHandler(EventsAppended)
export class NotifyOnAppend implements IEventHandler<EventsAppended> {
  constructor(private readonly notifier: AppendNotifier) {}
  handle(): void {
    this.notifier.notify();
  }
}
