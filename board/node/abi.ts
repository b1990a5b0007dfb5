// Names of the numbers in board/ABI.md, for hosts written in TypeScript.
// The config keys and error codes come from the firmware's sources through
// scripts/gen-tables.ts (abi-tables.ts); the rest is written here.

export { CONFIG_KEYS, ERROR_NAMES, ERROR_TEXT } from './abi-tables.ts';

export const EVENT = {
  connected: 1,
  disconnected: 2,
  subscribed: 3,
  unsubscribed: 4,
  published: 5,
  error: 6,
} as const;

export const CONNACK_NAMES: Record<number, string> = {
  1: 'unacceptable-protocol-version',
  2: 'identifier-rejected',
  3: 'server-unavailable',
  4: 'bad-username-or-password',
  5: 'not-authorized',
};

export const COUNTERS = ['published', 'received', 'bytesOut', 'bytesIn', 'reconnects', 'errors', 'dropped'] as const;
