export * from './types';
export * from './errors';
export * from './decider';
export * from './ids';
export * from './handle-command';
export * from './memory-event-store';
export * from './projector';
export * from './hash-chain';
