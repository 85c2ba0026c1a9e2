export * from './need';
export * from './project';
