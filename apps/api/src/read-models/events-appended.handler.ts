import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { EventsAppended } from '../ledger/messages';
import { ReadModelsService } from './read-models.service';

/** Projects new events as soon as they are appended in this process (the poll covers other writers). */
@EventsHandler(EventsAppended)
export class EventsAppendedHandler implements IEventHandler<EventsAppended> {
  constructor(private readonly rm: ReadModelsService) {}
  handle(): void {
    this.rm.poke();
  }
}
