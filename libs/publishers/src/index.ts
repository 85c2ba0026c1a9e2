export * from './backoff';
export * from './cloudevents';
export * from './relay';
export * from './state';
export * from './nats';
export * from './amqp';
export * from './webhooks';
export * from './reminders';
