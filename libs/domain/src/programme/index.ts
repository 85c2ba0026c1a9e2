export * from './plan';
export * from './plan-schema';
export * from './shanxi-2024';
