// Event kinds the firmware reports through host.event(kind, a, b, ptr, len).

/** a = session present (0/1). */
export const EV_CONNECTED = 1;
/** a = error code (errors.ts) that ended the connection, 0 for our DISCONNECT. */
export const EV_DISCONNECTED = 2;
/** a = packet id, b = granted QoS or 0x80; ptr/len = the filter. One per filter. */
export const EV_SUBSCRIBED = 3;
/** a = packet id; ptr/len = the filter. One per filter. */
export const EV_UNSUBSCRIBED = 4;
/** a = packet id (0 for QoS 0), b = QoS; ptr/len = the topic. */
export const EV_PUBLISHED = 5;
/** a = error code, b = detail (CONNACK return code, packet type...); ptr/len = text. */
export const EV_ERROR = 6;
