// Names of the numbers in board/ABI.md, for hosts written in TypeScript.

export const CONFIG_KEYS = {
  url: 0,
  client_id: 1,
  username: 2,
  password: 3,
  keepalive: 4,
  clean: 5,
  will_topic: 6,
  will_payload: 7,
  will_qos: 8,
  will_retain: 9,
  link: 10,
  telemetry_s: 11,
  telemetry_topic: 12,
} as const;

export const EVENT = {
  connected: 1,
  disconnected: 2,
  subscribed: 3,
  unsubscribed: 4,
  published: 5,
  error: 6,
} as const;

export const ERROR_NAMES: Record<number, string> = {
  [-1]: 'buffer-too-short',
  [-2]: 'bad-remaining-length',
  [-3]: 'malformed-packet',
  [-4]: 'bad-utf8',
  [-5]: 'bad-topic',
  [-6]: 'packet-too-large',
  [-7]: 'outbox-full',
  [-8]: 'not-connected',
  [-9]: 'bad-qos',
  [-10]: 'bad-argument',
  [-11]: 'link-open-failed',
  [-12]: 'link-closed',
  [-13]: 'connack-timeout',
  [-14]: 'ping-timeout',
  [-15]: 'connection-refused',
  [-16]: 'unexpected-packet',
  [-17]: 'bad-config',
  [-18]: 'no-slot',
  [-19]: 'link-write-failed',
  [-20]: 'unsupported',
  [-21]: 'link-timeout',
  [-22]: 'dropped',
};

export const CONNACK_NAMES: Record<number, string> = {
  1: 'unacceptable-protocol-version',
  2: 'identifier-rejected',
  3: 'server-unavailable',
  4: 'bad-username-or-password',
  5: 'not-authorized',
};

export const COUNTERS = ['published', 'received', 'bytesOut', 'bytesIn', 'reconnects', 'errors', 'dropped'] as const;
