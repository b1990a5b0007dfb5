// Views (assembly/app/view.ts): comparing with ascii texts, bytes by index,
// and parsing signed decimals and fixed-point numbers without allocating.
import { View, viewOf } from "../../assembly/app/view";
import { ascii } from "../../assembly/mem/ascii";
import { utf8, textOf } from "./helpers";

const keep: u8[][] = [];
/** A view of s (its bytes kept alive for the spec). */
function view(s: string): View {
  const b = utf8(s);
  keep.push(b);
  const v = changetype<View>(memory.data(8));
  v.ptr = b.dataStart;
  v.len = b.length;
  return v;
}

describe("View", () => {
  test("equals and startsWith an ascii text", () => {
    const v = view("interval 30");
    expect(v.equals(ascii("interval 30"))).toBe(true);
    expect(v.equals(ascii("interval 3"))).toBe(false);
    expect(v.equals(ascii("interval 300"))).toBe(false);
    expect(v.startsWith(ascii("interval "))).toBe(true);
    expect(v.startsWith(ascii("interval 30 "))).toBe(false);
    expect(view("").equals(ascii(""))).toBe(true);
  });

  test("at() gives the byte, 0 outside the view", () => {
    const v = view("ab");
    expect(v.at(0)).toBe(0x61);
    expect(v.at(1)).toBe(0x62);
    expect(v.at(2)).toBe(0);
    expect(v.at(-1)).toBe(0);
  });

  test("toInt: signed decimals, the fallback for anything else", () => {
    expect(view("0").toInt(-1)).toBe(0);
    expect(view("42").toInt(-1)).toBe(42);
    expect(view("-17").toInt(0)).toBe(-17);
    expect(view("+7").toInt(0)).toBe(7);
    expect(view("2147483647").toInt(0)).toBe(i32.MAX_VALUE);
    expect(view("-2147483648").toInt(0)).toBe(i32.MIN_VALUE);
    expect(view("2147483648").toInt(-1)).toBe(-1);
    expect(view("").toInt(-1)).toBe(-1);
    expect(view("-").toInt(-1)).toBe(-1);
    expect(view("12a").toInt(-1)).toBe(-1);
    expect(view(" 12").toInt(-1)).toBe(-1);
    expect(view("1.5").toInt(-1)).toBe(1); // the fraction dropped
    expect(view("99999999999").toInt(-1)).toBe(-1);
  });

  test("intAt parses from an offset", () => {
    const v = view("interval 30");
    expect(v.intAt(9, -1)).toBe(30);
    expect(v.intAt(8, -1)).toBe(-1); // " 30"
    expect(v.intAt(11, -1)).toBe(-1); // nothing left
    expect(v.intAt(-1, -1)).toBe(-1);
  });

  test("toFixed: a decimal as an integer of so many places", () => {
    expect(view("21.5").toFixed(1, -1)).toBe(215);
    expect(view("21").toFixed(1, -1)).toBe(210);
    expect(view("21.55").toFixed(1, -1)).toBe(215); // extra places dropped
    expect(view("-0.25").toFixed(2, 0)).toBe(-25);
    expect(view("-0.5").toFixed(1, 0)).toBe(-5);
    expect(view(".5").toFixed(1, -1)).toBe(5);
    expect(view("3.").toFixed(2, -1)).toBe(300);
    expect(view("1.2.3").toFixed(1, -1)).toBe(-1);
    expect(view(".").toFixed(1, -1)).toBe(-1);
    expect(view("abc").toFixed(1, -1)).toBe(-1);
    expect(view("214748364.7").toFixed(1, 0)).toBe(i32.MAX_VALUE);
    expect(view("214748364.8").toFixed(1, -1)).toBe(-1);
    expect(view("1").toFixed(10, -1)).toBe(-1); // more than 9 places asked
  });

  test("a view with len -1 (an overflowed writer) equals nothing", () => {
    const v = view("x");
    v.len = -1;
    expect(v.equals(ascii(""))).toBe(false);
    expect(v.startsWith(ascii(""))).toBe(false);
    expect(v.toInt(-9)).toBe(-9);
  });

  test("viewOf: two ring views, each valid until the next-but-one call", () => {
    const a = viewOf(ascii("on"));
    const b = viewOf(ascii("off"));
    expect(textOf(a.ptr, a.len)).toBe("on");
    expect(textOf(b.ptr, b.len)).toBe("off");
    expect(changetype<usize>(a)).not.toBe(changetype<usize>(b));
    const c = viewOf(ascii("again"));
    expect(changetype<usize>(c)).toBe(changetype<usize>(a));
  });
});
