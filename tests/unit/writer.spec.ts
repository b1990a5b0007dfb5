// The Writer (assembly/app/writer.ts): text, numbers and JSON into a static
// buffer whose first Writer.HEADER bytes hold the writer itself; a write
// that does not fit marks it overflowed instead of cutting the text.
import { Writer } from "../../assembly/app/writer";
import { View } from "../../assembly/app/view";
import { ascii } from "../../assembly/mem/ascii";
import { textOf } from "./helpers";

const buf = memory.data(64 + 12);
function text(w: Writer): string { return textOf(w.ptr, w.len); }
function fresh(cap: i32): Writer { return Writer.over(buf, cap + Writer.HEADER); }

describe("Writer", () => {
  test("keeps its header inside the buffer it is given", () => {
    const w = fresh(64);
    expect(changetype<usize>(w)).toBe(buf);
    expect(w.ptr).toBe(buf + Writer.HEADER);
    expect(w.cap).toBe(64);
    expect(w.len).toBe(0);
    expect(Writer.over(buf, 4).cap).toBe(0); // smaller than the header: no room
  });

  test("text, char, bytes", () => {
    const w = fresh(64).text(ascii("ok ")).char(0x21);
    const other = changetype<View>(memory.data(8));
    other.ptr = w.ptr;
    other.len = 2;
    w.bytes(other);
    expect(text(w)).toBe("ok !ok");
    expect(text(w.clear())).toBe("");
  });

  test("int and uint, the extremes included", () => {
    expect(text(fresh(64).int(0))).toBe("0");
    expect(text(fresh(64).int(-42))).toBe("-42");
    expect(text(fresh(64).int(i32.MIN_VALUE))).toBe("-2147483648");
    expect(text(fresh(64).int(i32.MAX_VALUE))).toBe("2147483647");
    expect(text(fresh(64).uint(u32.MAX_VALUE))).toBe("4294967295");
  });

  test("fixed: places, negatives, and values under one", () => {
    expect(text(fresh(64).fixed(215, 1))).toBe("21.5");
    expect(text(fresh(64).fixed(-5, 1))).toBe("-0.5");
    expect(text(fresh(64).fixed(-215, 1))).toBe("-21.5");
    expect(text(fresh(64).fixed(2150, 2))).toBe("21.50");
    expect(text(fresh(64).fixed(7, 3))).toBe("0.007");
    expect(text(fresh(64).fixed(-7, 3))).toBe("-0.007");
    expect(text(fresh(64).fixed(0, 1))).toBe("0.0");
    expect(text(fresh(64).fixed(42, 0))).toBe("42");
    expect(text(fresh(64).fixed(i32.MIN_VALUE, 1))).toBe("-214748364.8");
  });

  test("JSON: commas between pairs, none after the brace", () => {
    const w = fresh(64).begin().keyInt(ascii("a"), 1).keyFixed(ascii("t"), 215, 1)
      .keyText(ascii("s"), ascii("on")).keyBool(ascii("b"), true).keyBool(ascii("c"), false).end();
    expect(text(w)).toBe("{\"a\":1,\"t\":21.5,\"s\":\"on\",\"b\":true,\"c\":false}");
    expect(text(fresh(64).begin().end())).toBe("{}");
    const k = fresh(64).begin();
    k.key(ascii("u")).uint(5);
    k.keyInt(ascii("v"), -1).end();
    expect(text(k)).toBe("{\"u\":5,\"v\":-1}");
  });

  test("overflow: nothing cut, the writer marked until clear()", () => {
    const w = fresh(8).text(ascii("12345"));
    expect(w.overflowed()).toBe(false);
    w.text(ascii("6789"));
    expect(w.overflowed()).toBe(true);
    expect(w.len).toBe(-1);
    w.char(0x41).int(1); // no-ops now
    expect(w.len).toBe(-1);
    w.clear().text(ascii("12345678"));
    expect(w.overflowed()).toBe(false);
    expect(text(w)).toBe("12345678");
    expect(fresh(3).int(-100).overflowed()).toBe(true);
    expect(fresh(3).fixed(-5, 1).overflowed()).toBe(true); // "-0.5" is 4
    expect(text(fresh(4).fixed(-5, 1))).toBe("-0.5");
  });

  test("bytes of an overflowed writer overflow the target", () => {
    const a = Writer.over(memory.data(20), 20).text(ascii("123456789"));
    expect(a.overflowed()).toBe(true);
    const b = Writer.over(memory.data(40), 40).bytes(a);
    expect(b.overflowed()).toBe(true);
  });
});
