// Reads the device→broker byte stream (plain MQTT, or MQTT inside masked
// WebSocket frames after the HTTP upgrade) just far enough to tell whether
// what the device wrote asks the broker for an answer (CONNECT, SUBSCRIBE,
// PINGREQ, PUBLISH QoS 1/2, PUBREC, PUBREL, the upgrade request). The
// lockstep loop then holds virtual time until the answer is back.

/** Packet types (high nibble) that the broker answers. */
const ANSWERED = new Set([1, 5, 6, 8, 10, 12]);

class MqttScanner {
  private need = 0; // bytes of the current packet still to skip
  private hdr = -1;
  private len = 0;
  private mul = 1;
  private inLen = false;

  /** True if a packet that the broker answers starts in these bytes. */
  feed(b: Uint8Array): boolean {
    let asks = false;
    for (let i = 0; i < b.length; i++) {
      const x = b[i]!;
      if (this.need > 0) {
        const n = Math.min(this.need, b.length - i);
        this.need -= n;
        i += n - 1;
        continue;
      }
      if (this.hdr < 0) {
        this.hdr = x;
        this.inLen = true;
        this.len = 0;
        this.mul = 1;
        const type = x >> 4;
        if (ANSWERED.has(type) || (type === 3 && (x & 0x06) !== 0)) asks = true;
        continue;
      }
      if (this.inLen) {
        this.len += (x & 0x7f) * this.mul;
        this.mul *= 128;
        if ((x & 0x80) === 0 || this.mul > 128 ** 4) {
          this.inLen = false;
          this.need = this.len;
          this.hdr = -1;
        }
      }
    }
    return asks;
  }
}

/** Client→server WebSocket: the HTTP request, then masked frames whose payloads carry MQTT. */
class WsScanner {
  private head = 0; // matched bytes of \r\n\r\n
  private inHead = true;
  private hdr: number[] = [];
  private left = 0;
  private mask: number[] = [];
  private pos = 0;
  private readonly mqtt = new MqttScanner();

  feed(b: Uint8Array): boolean {
    let asks = false;
    const payload: number[] = [];
    for (let i = 0; i < b.length; i++) {
      const x = b[i]!;
      if (this.inHead) {
        this.head = x === [13, 10, 13, 10][this.head] ? this.head + 1 : (x === 13 ? 1 : 0);
        if (this.head === 4) { this.inHead = false; asks = true; }
        continue;
      }
      if (this.left > 0) {
        payload.push(x ^ this.mask[this.pos++ & 3]!);
        this.left--;
        continue;
      }
      this.hdr.push(x);
      if (this.hdr.length < 2) continue;
      const l = this.hdr[1]! & 0x7f;
      const masked = (this.hdr[1]! & 0x80) !== 0;
      const need = 2 + (l === 126 ? 2 : l === 127 ? 8 : 0) + (masked ? 4 : 0);
      if (this.hdr.length < need) continue;
      let len = l;
      if (l === 126) len = (this.hdr[2]! << 8) | this.hdr[3]!;
      if (l === 127) { len = 0; for (let k = 2; k < 10; k++) len = len * 256 + this.hdr[k]!; }
      this.mask = masked ? this.hdr.slice(need - 4, need) : [0, 0, 0, 0];
      this.pos = 0;
      // only binary and continuation frames carry MQTT; a close asks for a close back
      const op = this.hdr[0]! & 0x0f;
      if (op === 8) asks = true;
      this.left = op === 0 || op === 2 ? len : 0;
      if (op !== 0 && op !== 2 && len > 0) { i += len; }
      this.hdr = [];
    }
    if (payload.length > 0 && this.mqtt.feed(Uint8Array.from(payload))) asks = true;
    return asks;
  }
}

export function replyScanner(ws: boolean): { feed(b: Uint8Array): boolean } {
  return ws ? new WsScanner() : new MqttScanner();
}
