export * from './common';
export * from './salon';
export * from './key-promotion';
export * from './service';
