export * from './node-pools';
