// One error type for every layer (as lwmqtt): functions return a negative
// code on failure. The doc comment above each code is its name and text for
// hosts: scripts/gen-tables.ts (npm run gen) copies them into board/ABI.md,
// board/node/abi-tables.ts and board/core/atmqtt_abi.h.

export const OK: i32 = 0;
/** buffer-too-short */
export const E_BUFFER_TOO_SHORT: i32 = -1;
/** bad-remaining-length */
export const E_REMAINING_LENGTH: i32 = -2;
/** malformed-packet: malformed packet from the broker (detail: packet type) */
export const E_MALFORMED: i32 = -3;
/** bad-utf8 */
export const E_BAD_UTF8: i32 = -4;
/** bad-topic */
export const E_BAD_TOPIC: i32 = -5;
/** packet-too-large: packet larger than the configured packet size (detail: bytes) */
export const E_PACKET_TOO_LARGE: i32 = -6;
/** outbox-full: outbox full: the message was not kept */
export const E_OUTBOX_FULL: i32 = -7;
/** not-connected */
export const E_NOT_CONNECTED: i32 = -8;
/** bad-qos */
export const E_BAD_QOS: i32 = -9;
/** bad-argument */
export const E_BAD_ARGUMENT: i32 = -10;
/** link-open-failed: could not open the link to the broker */
export const E_LINK_OPEN: i32 = -11;
/** link-closed: the link closed */
export const E_LINK_CLOSED: i32 = -12;
/** connack-timeout: no CONNACK in time */
export const E_CONNACK_TIMEOUT: i32 = -13;
/** ping-timeout: no PINGRESP in time: link dead (detail: ms since the last byte received) */
export const E_PING_TIMEOUT: i32 = -14;
/** connection-refused: the broker refused (detail: CONNACK return code or 128 for a subscription) */
export const E_REFUSED: i32 = -15;
/** unexpected-packet: unexpected packet from the broker (detail: packet type) */
export const E_UNEXPECTED: i32 = -16;
/** bad-config */
export const E_CONFIG: i32 = -17;
/** no-slot: no free slot (inbound QoS 2 table or router full) */
export const E_NO_SLOT: i32 = -18;
/** link-write-failed: writing to the link failed */
export const E_LINK_WRITE: i32 = -19;
/** unsupported */
export const E_UNSUPPORTED: i32 = -20;
/** link-timeout: opening the link timed out */
export const E_LINK_TIMEOUT: i32 = -21;
/** dropped */
export const E_DROPPED: i32 = -22;
/** ws-upgrade-refused: WebSocket upgrade refused (detail: HTTP status) */
export const E_WS_UPGRADE: i32 = -23;
/** ws-bad-accept: wrong or missing Sec-WebSocket-Accept */
export const E_WS_ACCEPT: i32 = -24;
/** ws-no-subprotocol: the server did not agree to the WebSocket subprotocol mqtt */
export const E_WS_PROTOCOL: i32 = -25;
/** ws-protocol-error: WebSocket protocol violation by the server (detail: opcode or header byte) */
export const E_WS_FRAME: i32 = -26;
/** ws-frame-too-large: WebSocket frame larger than the firmware accepts (detail: bytes) */
export const E_WS_TOO_LARGE: i32 = -27;
/** ws-closed: the server closed the WebSocket (detail: status code) */
export const E_WS_CLOSED: i32 = -28;
/** tls-failed: TLS handshake or certificate check failed (the host log says why) */
export const E_TLS: i32 = -29;
/** pin-reserved: the pin drives the modem (PWRKEY or RESET): apps may not touch it (detail: pin) */
export const E_PIN_RESERVED: i32 = -30;
/** no-such-pin: the board has no such pin, ADC channel or pin mode */
export const E_NO_SUCH_PIN: i32 = -31;
/** i2c-nack: no I2C device answered at the address, or it refused a byte */
export const E_I2C_NACK: i32 = -32;
