// Public entry of the pure protocol core.
export * from './reply-codes.js';
export * from './reply.js';
export * from './command.js';
export * from './host-port.js';
export * from './path.js';
export * from './list-format.js';
export * from './limits.js';
export * from './errors.js';
