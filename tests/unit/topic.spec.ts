// Topic matching (MQTT 3.1.1 section 4.7) and the topic/UTF-8 checks.
import { utf8 } from "./helpers";
import { topicMatches } from "../../assembly/mqtt/topic";
import { checkTopicName, checkTopicFilter, validUtf8 } from "../../assembly/mqtt/codec/utf8";
import { OK, E_BAD_TOPIC, E_BAD_UTF8 } from "../../assembly/errors";

function matches(filter: string, topic: string): bool {
  const f = utf8(filter);
  const t = utf8(topic);
  return topicMatches(f.dataStart, f.length, t.dataStart, t.length);
}

function nameOk(s: string): i32 {
  const b = utf8(s);
  return checkTopicName(b.dataStart, b.length);
}

function filterOk(s: string): i32 {
  const b = utf8(s);
  return checkTopicFilter(b.dataStart, b.length);
}

describe("topicMatches: plain levels", () => {
  it("matches equal topics only", () => {
    expect(matches("a/b", "a/b")).toBe(true);
    expect(matches("a/b", "a/c")).toBe(false);
    expect(matches("a", "ab")).toBe(false);
    expect(matches("ab", "a")).toBe(false);
    expect(matches("a/b", "a")).toBe(false);
    expect(matches("a", "a/b")).toBe(false);
    expect(matches("a/b", "a/b/")).toBe(false);
    expect(matches("A", "a")).toBe(false); // case-sensitive (4.7.3)
    expect(matches("ü/€", "ü/€")).toBe(true);
    expect(matches("ü/€", "ü/e")).toBe(false);
  });

  it("treats empty levels as levels", () => {
    expect(matches("a//b", "a//b")).toBe(true);
    expect(matches("a//b", "a/b")).toBe(false);
    expect(matches("/", "/")).toBe(true);
    expect(matches("/a", "a")).toBe(false);
    expect(matches("a/", "a")).toBe(false);
    expect(matches("//", "//")).toBe(true);
  });
});

describe("topicMatches: '+' single level", () => {
  it("matches exactly one level", () => {
    expect(matches("+", "a")).toBe(true);
    expect(matches("+", "a/b")).toBe(false);
    expect(matches("a/+", "a/b")).toBe(true);
    expect(matches("a/+", "a/b/c")).toBe(false);
    expect(matches("a/+", "a")).toBe(false);
    expect(matches("a/+/c", "a/b/c")).toBe(true);
    expect(matches("a/+/c", "a/b/d")).toBe(false);
    expect(matches("+/b", "a/b")).toBe(true);
    expect(matches("+/+", "a/b")).toBe(true);
    expect(matches("sport/+", "sport")).toBe(false); // 4.7.1.3 example
    expect(matches("sport/+", "sport/")).toBe(true); // 4.7.1.3 example
  });

  it("matches empty levels", () => {
    expect(matches("a/+", "a/")).toBe(true);
    expect(matches("a/+/b", "a//b")).toBe(true);
    expect(matches("+/+", "/")).toBe(true); // two empty levels
    expect(matches("/+", "/finance")).toBe(true);
    expect(matches("+", "/finance")).toBe(false);
    expect(matches("+", "/")).toBe(false);
    expect(matches("+/+", "/finance")).toBe(true);
  });
});

describe("topicMatches: '#' multi level", () => {
  it("matches the parent and every level below", () => {
    expect(matches("#", "a")).toBe(true);
    expect(matches("#", "a/b/c")).toBe(true);
    expect(matches("#", "/")).toBe(true);
    expect(matches("a/#", "a")).toBe(true); // 4.7.1.2: "sport/#" matches "sport"
    expect(matches("a/#", "a/")).toBe(true);
    expect(matches("a/#", "a/b")).toBe(true);
    expect(matches("a/#", "a/b/c")).toBe(true);
    expect(matches("a/#", "ab")).toBe(false);
    expect(matches("a/#", "b/a")).toBe(false);
    expect(matches("a/b/#", "a/b")).toBe(true);
    expect(matches("a/b/#", "a")).toBe(false);
    expect(matches("a/b/#", "a/bc")).toBe(false);
    expect(matches("/#", "/")).toBe(true);
    expect(matches("/#", "/a")).toBe(true);
    expect(matches("/#", "a")).toBe(false);
    expect(matches("+/#", "a")).toBe(true);
    expect(matches("+/#", "a/b/c")).toBe(true);
    expect(matches("a/+/#", "a/b")).toBe(true);
    expect(matches("a/+/#", "a")).toBe(false);
  });
});

describe("topicMatches: $-topics (4.7.2)", () => {
  it("are not matched by a leading wildcard", () => {
    expect(matches("#", "$SYS")).toBe(false);
    expect(matches("#", "$SYS/broker/load")).toBe(false);
    expect(matches("+", "$SYS")).toBe(false);
    expect(matches("+/monitor/Clients", "$SYS/monitor/Clients")).toBe(false);
    expect(matches("+/#", "$SYS/x")).toBe(false);
    expect(matches("#", "$")).toBe(false);
  });

  it("are matched by filters that start with $", () => {
    expect(matches("$SYS/#", "$SYS/monitor/Clients")).toBe(true);
    expect(matches("$SYS/#", "$SYS")).toBe(true);
    expect(matches("$SYS/monitor/+", "$SYS/monitor/Clients")).toBe(true);
    expect(matches("$SYS/+", "$SYS/a/b")).toBe(false);
  });

  it("only a leading $ is special", () => {
    expect(matches("#", "a/$SYS")).toBe(true);
    expect(matches("a/+", "a/$x")).toBe(true);
  });
});

describe("checkTopicName / checkTopicFilter", () => {
  it("topic names: 1+ bytes, no wildcards", () => {
    expect(nameOk("a")).toBe(OK);
    expect(nameOk("/")).toBe(OK);
    expect(nameOk("a//b")).toBe(OK);
    expect(nameOk("$SYS/x")).toBe(OK);
    expect(nameOk("")).toBe(E_BAD_TOPIC);
    expect(nameOk("a/+")).toBe(E_BAD_TOPIC);
    expect(nameOk("#")).toBe(E_BAD_TOPIC);
    expect(nameOk("a#")).toBe(E_BAD_TOPIC);
  });

  it("filters: '+' a whole level, '#' a whole last level", () => {
    const good: string[] = ["#", "+", "a/#", "+/+", "+/#", "/+", "a/+/b", "//", "$SYS/#", "a/b"];
    for (let i = 0; i < good.length; i++) expect(filterOk(good[i])).toBe(OK, good[i]);
    const bad: string[] = ["", "a/#/b", "a+", "#a", "+a", "a#", "a/b+", "##", "#/", "+#", "a/+b"];
    for (let i = 0; i < bad.length; i++) expect(filterOk(bad[i])).toBe(E_BAD_TOPIC, bad[i]);
  });

  it("refuses bad UTF-8 in names and filters", () => {
    const overlong: u8[] = [0x61, 0xc0, 0xaf];
    expect(checkTopicName(overlong.dataStart, 3)).toBe(E_BAD_UTF8);
    expect(checkTopicFilter(overlong.dataStart, 3)).toBe(E_BAD_UTF8);
    const nul: u8[] = [0x61, 0x00];
    expect(checkTopicName(nul.dataStart, 2)).toBe(E_BAD_UTF8);
  });
});

describe("validUtf8 (1.5.3)", () => {
  it("accepts the edges of every encoded length", () => {
    const ok: u8[][] = [[0x01], [0x7f], [0xc2, 0x80], [0xdf, 0xbf], [0xe0, 0xa0, 0x80], [0xed, 0x9f, 0xbf],
      [0xee, 0x80, 0x80], [0xef, 0xbf, 0xbf], [0xf0, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf]];
    for (let i = 0; i < ok.length; i++) expect(validUtf8(ok[i].dataStart, ok[i].length)).toBe(true);
    expect(validUtf8(0, 0)).toBe(true);
  });

  it("refuses U+0000, overlong forms, surrogates, > U+10FFFF and cut sequences", () => {
    const bad: u8[][] = [[0x00], [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0xaf], [0xf0, 0x8f, 0xbf, 0xbf],
      [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xff],
      [0x80], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xc3, 0x28]];
    for (let i = 0; i < bad.length; i++) expect(validUtf8(bad[i].dataStart, bad[i].length)).toBe(false);
  });
});
