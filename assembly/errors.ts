// One error type for every layer (as lwmqtt): functions return a negative
// code on failure. Names for hosts are in board/ABI.md.

export const OK: i32 = 0;
export const E_BUFFER_TOO_SHORT: i32 = -1;
export const E_REMAINING_LENGTH: i32 = -2;
export const E_MALFORMED: i32 = -3;
export const E_BAD_UTF8: i32 = -4;
export const E_BAD_TOPIC: i32 = -5;
export const E_PACKET_TOO_LARGE: i32 = -6;
export const E_OUTBOX_FULL: i32 = -7;
export const E_NOT_CONNECTED: i32 = -8;
export const E_BAD_QOS: i32 = -9;
export const E_BAD_ARGUMENT: i32 = -10;
export const E_LINK_OPEN: i32 = -11;
export const E_LINK_CLOSED: i32 = -12;
export const E_CONNACK_TIMEOUT: i32 = -13;
export const E_PING_TIMEOUT: i32 = -14;
export const E_REFUSED: i32 = -15;
export const E_UNEXPECTED: i32 = -16;
export const E_CONFIG: i32 = -17;
export const E_NO_SLOT: i32 = -18;
export const E_LINK_WRITE: i32 = -19;
export const E_UNSUPPORTED: i32 = -20;
export const E_LINK_TIMEOUT: i32 = -21;
export const E_DROPPED: i32 = -22;
export const E_WS_UPGRADE: i32 = -23;
export const E_WS_ACCEPT: i32 = -24;
export const E_WS_PROTOCOL: i32 = -25;
export const E_WS_FRAME: i32 = -26;
export const E_WS_TOO_LARGE: i32 = -27;
export const E_WS_CLOSED: i32 = -28;
export const E_TLS: i32 = -29;
