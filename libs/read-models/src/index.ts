export * from './sqlite-projection';
export * from './sqlite-read-models';
export * from './cursor';
export * from './projections/event-helpers';
export * from './projections/audit';
export * from './projections/resource-pool';
export * from './queries/resource-pool';
