export * from './merkle';
export * from './tree-head';
export * from './tree-store';
export * from './merkle-log';
export * from './witness';
export * from './transparency-log';
export * from './audit';
export * from './bundle';
