// Names of the numbers in board/ABI.md, for hosts written in TypeScript.
// Every table comes from the firmware's sources through scripts/gen-tables.ts
// (abi-tables.ts): config keys, error codes, event kinds, counters and
// CONNACK return codes.

export { CONFIG_KEYS, ERROR_NAMES, ERROR_TEXT, EVENT, COUNTERS, CONNACK_NAMES } from './abi-tables.ts';
