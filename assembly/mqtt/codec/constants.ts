// MQTT 3.1.1 packet types and flags (spec section 2.2).

export const CONNECT: u8 = 1;
export const CONNACK: u8 = 2;
export const PUBLISH: u8 = 3;
export const PUBACK: u8 = 4;
export const PUBREC: u8 = 5;
export const PUBREL: u8 = 6;
export const PUBCOMP: u8 = 7;
export const SUBSCRIBE: u8 = 8;
export const SUBACK: u8 = 9;
export const UNSUBSCRIBE: u8 = 10;
export const UNSUBACK: u8 = 11;
export const PINGREQ: u8 = 12;
export const PINGRESP: u8 = 13;
export const DISCONNECT: u8 = 14;

/** CONNACK return codes (3.2.2.3); their names reach the hosts through
 * scripts/gen-tables.ts, and a refusal's error event carries the code. */
/** unacceptable-protocol-version */
export const RC_BAD_PROTOCOL: u8 = 1;
/** identifier-rejected */
export const RC_ID_REJECTED: u8 = 2;
/** server-unavailable */
export const RC_UNAVAILABLE: u8 = 3;
/** bad-username-or-password */
export const RC_BAD_CREDENTIALS: u8 = 4;
/** not-authorized */
export const RC_NOT_AUTHORIZED: u8 = 5;

/** PUBLISH fixed-header flag bits. */
export const FLAG_RETAIN: u8 = 0x01;
export const FLAG_DUP: u8 = 0x08;

/** The flags each type must carry (PUBLISH is checked separately). */
export function requiredFlags(type: u8): u8 {
  // PUBREL 6, SUBSCRIBE 8, UNSUBSCRIBE 10, as a bit set
  return type < 16 ? <u8>((0x0540 >> type) & 1) << 1 : 0;
}

/** Largest value the 4-byte remaining length can hold. */
export const MAX_REMAINING: i32 = 268435455;
