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
  baud: 13,
  apn: 14,
  apn_user: 15,
  apn_password: 16,
  ssid: 17,
  wifi_password: 18,
  ca: 19,
  insecure: 20,
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
  [-23]: 'ws-upgrade-refused',
  [-24]: 'ws-bad-accept',
  [-25]: 'ws-no-subprotocol',
  [-26]: 'ws-protocol-error',
  [-27]: 'ws-frame-too-large',
  [-28]: 'ws-closed',
  [-29]: 'tls-failed',
};

/** What each error means, for messages shown to people. */
export const ERROR_TEXT: Record<number, string> = {
  [-3]: 'malformed packet from the broker (detail: packet type)',
  [-6]: 'packet larger than the configured packet size (detail: bytes)',
  [-7]: 'outbox full: the message was not kept',
  [-11]: 'could not open the link to the broker',
  [-12]: 'the link closed',
  [-13]: 'no CONNACK in time',
  [-14]: 'no PINGRESP in time: link dead (detail: ms since the last byte received)',
  [-15]: 'the broker refused (detail: CONNACK return code or 128 for a subscription)',
  [-16]: 'unexpected packet from the broker (detail: packet type)',
  [-18]: 'no free slot (inbound QoS 2 table or router full)',
  [-19]: 'writing to the link failed',
  [-21]: 'opening the link timed out',
  [-23]: 'WebSocket upgrade refused (detail: HTTP status)',
  [-24]: 'wrong or missing Sec-WebSocket-Accept',
  [-25]: 'the server did not agree to the WebSocket subprotocol mqtt',
  [-26]: 'WebSocket protocol violation by the server (detail: opcode or header byte)',
  [-27]: 'WebSocket frame larger than the firmware accepts (detail: bytes)',
  [-28]: 'the server closed the WebSocket (detail: status code)',
  [-29]: 'TLS handshake or certificate check failed (the host log says why)',
};

export const CONNACK_NAMES: Record<number, string> = {
  1: 'unacceptable-protocol-version',
  2: 'identifier-rejected',
  3: 'server-unavailable',
  4: 'bad-username-or-password',
  5: 'not-authorized',
};

export const COUNTERS = ['published', 'received', 'bytesOut', 'bytesIn', 'reconnects', 'errors', 'dropped'] as const;
