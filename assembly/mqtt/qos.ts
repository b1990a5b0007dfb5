// The QoS 1 and 2 flows as legal moves (the shape of coreMQTT's
// validateTransitionPublish / validateTransitionAck): from a record's state
// and what happened, the state it moves to, DONE when its flow has ended,
// or ILLEGAL. Pure functions: the session applies the move, and logs an
// illegal one by name with its documented handling (see session.ts).
import * as T from "./codec/constants";
import { QUEUED, SENT, REL_QUEUED, REL_SENT } from "./outbox";

/** The flow has ended: the record leaves the outbox. */
export const DONE: i32 = 4;
/** Not a legal move from this state (an unknown id, a repeated ack...). */
export const ILLEGAL: i32 = -1;
/** No record holds the packet id. */
export const NONE: i32 = -1;

// ---------------------------------------------------------------- outbound

/** The record in state s was written: a QoS 0 PUBLISH is done, anything
 * else waits for its ack; a queued PUBREL waits for PUBCOMP. */
export function sent(s: i32, qos0: bool): i32 {
  if (s == QUEUED) return qos0 ? DONE : SENT;
  if (s == REL_QUEUED) return REL_SENT;
  return ILLEGAL;
}

/** PUBACK, PUBREC or PUBCOMP arrived for a PUBLISH record in state s (NONE:
 * no such id) of QoS qos: PUBACK ends QoS 1, PUBREC turns QoS 2 to PUBREL,
 * PUBCOMP ends it. */
export function acked(ack: i32, s: i32, qos: i32): i32 {
  if (ack == T.PUBCOMP) return s == REL_SENT ? DONE : ILLEGAL;
  if (s != SENT || qos != ack - T.PUBACK + 1) return ILLEGAL; // PUBACK: 1, PUBREC: 2
  return ack == T.PUBACK ? DONE : REL_QUEUED;
}

/** On CONNACK, where a record resumes. With the session present, what was
 * written goes again (a PUBLISH with DUP) and a PUBREL is resent; without
 * it, the broker forgot: (UN)SUBSCRIBEs are dropped (the router renews
 * every filter) and a QoS 2 PUBLISH already PUBREC'd is done. */
export function resumed(s: i32, isPublish: bool, present: bool): i32 {
  if (!present && !isPublish) return DONE;
  if (s == REL_SENT || s == REL_QUEUED) return present ? REL_QUEUED : DONE;
  return QUEUED;
}

// ---------------------------------------------------------------- inbound

/** An inbound QoS 2 PUBLISH is delivered and its id held until PUBREL. */
export const DELIVER: i32 = 1;
/** A resent one whose id is held: PUBREC again, not delivered twice. */
export const REPEAT: i32 = 2;

/** An inbound QoS 2 PUBLISH: DELIVER, REPEAT, or ILLEGAL when no slot is
 * free (not acknowledged: the broker resends it on the next connection). */
export function received(held: bool, full: bool): i32 {
  if (held) return REPEAT;
  return full ? ILLEGAL : DELIVER;
}

/** An inbound PUBREL: DONE (the id is released), or ILLEGAL when no id
 * is held (a PUBREL without a PUBREC); PUBCOMP answers either. */
export function released(held: bool): i32 {
  return held ? DONE : ILLEGAL;
}
