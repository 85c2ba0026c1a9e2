export * from './csv';
export * from './lines';
export * from './rows';
export * from './importer';
export * from './progress';
export * from './random';
export * from './generator';
export * from './apply';
