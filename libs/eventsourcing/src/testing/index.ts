export { eventStoreContract, newEvent } from './contract';
export type { EventStoreFactory } from './contract';
