export * from './principal';
export * from './errors';
export * from './policy';
export * from './redact';
