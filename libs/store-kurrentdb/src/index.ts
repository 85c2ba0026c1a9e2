export * from './mapping';
export * from './kurrent-event-store';
