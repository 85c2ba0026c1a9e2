export * from './passwords';
export * from './ttl';
export * from './tokens';
export * from './accounts';
