// board/flash/flash.ts: --dry-run commands, image header/CRC, refusal of a
// corrupt image, argument errors. Never opens a serial port.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkImage, crc32, makeImage } from "../../board/flash/image.ts";
import { esp32Partition, ESP8266_PARTITION, writeCommand } from "../../board/flash/flash.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const FLASH = join(ROOT, "board/flash/flash.ts");
const MKIMAGE = join(ROOT, "board/posix/mkimage.py");
const tmp = mkdtempSync(join(tmpdir(), "atmqtt-flash-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A small valid-looking module: "\0asm" v1 and some bytes. */
function fixtureWasm(n = 300): Buffer {
  const b = Buffer.alloc(n);
  Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]).copy(b);
  for (let i = 8; i < n; i++) b[i] = (i * 131 + 7) & 0xff;
  return b;
}
const wasm = join(tmp, "m.wasm");
writeFileSync(wasm, fixtureWasm());

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}
function flash(args: string[], env: Record<string, string> = { ATMQTT_ESPTOOL_VERSION: "5.6.0" }): Run {
  const r = spawnSync(process.execPath, ["--import", "tsx", FLASH, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ATMQTT_PYTHON: "python3", ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** mkimage.py's image of a module (the reference). */
function mkimage(src: string, dst: string): Buffer {
  const r = spawnSync("python3", [MKIMAGE, src, dst], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(dst);
}

describe("image", () => {
  test("crc32 matches zlib.crc32", () => {
    const data = fixtureWasm(5000);
    const r = spawnSync("python3", ["-c", "import sys,zlib;print(zlib.crc32(sys.stdin.buffer.read())&0xffffffff)"], {
      input: data,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(crc32(data), Number(r.stdout.trim()));
    assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926);
    assert.equal(crc32(Buffer.alloc(0)), 0);
  });

  test("makeImage is byte-identical to board/posix/mkimage.py", () => {
    const ref = mkimage(wasm, join(tmp, "ref.img"));
    assert.deepEqual(makeImage(readFileSync(wasm)), ref);
    const real = join(ROOT, "build/atmqtt.wasm");
    if (existsSync(real)) assert.deepEqual(makeImage(readFileSync(real)), mkimage(real, join(tmp, "real.img")));
  });

  test("flash.ts builds the image with the right header and CRC", () => {
    const out = join(tmp, "built.img");
    const r = flash(["--dry-run", "--wasm", wasm, "--out", out]);
    assert.equal(r.status, 0, r.stderr);
    const img = readFileSync(out);
    const mod = readFileSync(wasm);
    assert.equal(img.toString("latin1", 0, 4), "AMQW");
    assert.equal(img.readUInt32LE(4), mod.length);
    assert.equal(img.readUInt32LE(8), crc32(mod));
    assert.equal(img.readUInt32LE(12), 1);
    assert.deepEqual(img.subarray(16), mod);
    assert.deepEqual(img, mkimage(wasm, join(tmp, "ref2.img")));
    assert.deepEqual(checkImage(img), { moduleLength: mod.length, crc: crc32(mod), version: 1 });
  });
});

describe("partitions", () => {
  test("esp32 atmqtt partition from partitions.csv; esp8266 fixed", () => {
    assert.deepEqual(esp32Partition(), { offset: 0x190000, size: 0x10000 });
    assert.deepEqual(ESP8266_PARTITION, { offset: 0x300000, size: 0x10000 });
    const csv = readFileSync(join(ROOT, "board/flash/partitions.csv"), "utf8");
    assert.match(csv, /^atmqtt,\s*data,\s*0x40,\s*0x190000,\s*0x10000,/m);
    // placed after the app, inside 4 MB
    const app = /^factory,\s*app,\s*factory,\s*(0x[0-9a-f]+),\s*(0x[0-9a-f]+)/m.exec(csv);
    assert.ok(app);
    assert.ok(parseInt(app[1]!, 16) + parseInt(app[2]!, 16) <= 0x190000);
    assert.ok(0x190000 + 0x10000 <= 0x400000);
  });

  test("esp32 table: rows in order without overlap; 0xe000 (PlatformIO's boot_app0.bin) is otadata", () => {
    const rows = readFileSync(join(ROOT, "board/flash/partitions.csv"), "utf8")
      .split("\n")
      .map((l) => l.replace(/#.*/, "").trim())
      .filter((l) => l !== "")
      .map((l) => l.split(",").map((f) => f.trim()))
      .map((f) => ({ name: f[0]!, subtype: f[2]!, offset: parseInt(f[3]!, 16), size: parseInt(f[4]!, 16) }));
    let end = 0x9000; // after the bootloader and the table at 0x8000
    for (const r of rows) {
      assert.ok(r.offset >= end, `${r.name} at 0x${r.offset.toString(16)} overlaps the row before`);
      end = r.offset + r.size;
    }
    const at = rows.find((r) => r.offset <= 0xe000 && 0xe000 < r.offset + r.size);
    assert.equal(at?.subtype, "ota");
    assert.equal(at?.size, 0x2000);
  });
});

describe("--dry-run", () => {
  const img = join(tmp, "dry.img");
  writeFileSync(img, makeImage(fixtureWasm()));

  test("esp32 (default chip): write-flash at 0x190000", () => {
    const r = flash(["--dry-run", "--port", "/dev/ttyUSB0", "--image", img]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `python3 -m esptool --chip esp32 --port /dev/ttyUSB0 --baud 460800 write-flash 0x190000 ${img}\n`);
  });

  test("esp8266: write-flash at 0x300000, --baud honoured", () => {
    const r = flash(["--dry-run", "--chip", "esp8266", "--port", "/dev/ttyUSB1", "--baud", "115200", "--image", img]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `python3 -m esptool --chip esp8266 --port /dev/ttyUSB1 --baud 115200 write-flash 0x300000 ${img}\n`);
  });

  test("esptool 4.x spells it write_flash; --offset overrides", () => {
    const r = flash(["--dry-run", "--port", "COM3", "--image", img, "--offset", "0x200000"], { ATMQTT_ESPTOOL_VERSION: "4.8.1" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `python3 -m esptool --chip esp32 --port COM3 --baud 460800 write_flash 0x200000 ${img}\n`);
    assert.equal(writeCommand("4.8.1"), "write_flash");
    assert.equal(writeCommand("5.0.0"), "write-flash");
  });

  test("no --port is fine with --dry-run (PORT placeholder)", () => {
    const r = flash(["--dry-run", "--image", img]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, / --port PORT /);
  });

  test("the installed esptool's spelling is used", () => {
    const v = spawnSync("python3", ["-m", "esptool", "version"], { encoding: "utf8" });
    const r = flash(["--dry-run", "--port", "/dev/ttyUSB0", "--image", img], {});
    assert.equal(r.status, 0, r.stderr);
    if (v.status === 0) {
      const ver = /(\d+\.\d+(?:\.\d+)?)\s*$/.exec(v.stdout.trim())![1]!;
      assert.match(r.stdout, new RegExp(` ${writeCommand(ver)} 0x190000 `));
    } else {
      assert.match(r.stderr, /pip install esptool/);
    }
  });
});

describe("refusals", () => {
  const good = makeImage(fixtureWasm());

  for (const [what, at, msg] of [
    ["a module byte", 100, /CRC mismatch \(expected 0x[0-9a-f]{8}, got 0x[0-9a-f]{8}\)/],
    ["a CRC byte", 9, /CRC mismatch/],
    ["a magic byte", 0, /bad magic/],
    ["a length byte", 4, /length mismatch/],
    ["a version byte", 12, /version \d+ unsupported/],
  ] as const) {
    test(`one flipped bit in ${what} is refused, even with --dry-run`, () => {
      const bad = Buffer.from(good);
      bad[at] = bad[at]! ^ 0x01;
      const p = join(tmp, `bad-${at}.img`);
      writeFileSync(p, bad);
      for (const dry of [true, false]) {
        const r = flash([...(dry ? ["--dry-run"] : []), "--port", "/dev/nonexistent-atmqtt", "--image", p]);
        assert.equal(r.status, 3, r.stderr);
        assert.match(r.stderr, msg);
        assert.match(r.stderr, /image refused: .*not flashing/);
        assert.equal(r.stdout, "", "no esptool command for a refused image");
      }
    });
  }

  test("an image larger than the partition is refused", () => {
    const p = join(tmp, "big.img");
    writeFileSync(p, makeImage(fixtureWasm(0x10000)));
    const r = flash(["--dry-run", "--port", "/dev/ttyUSB0", "--image", p]);
    assert.equal(r.status, 3);
    assert.match(r.stderr, /partition holds 65536; not flashing/);
  });

  test("missing --port without --dry-run is an error", () => {
    const r = flash(["--image", join(tmp, "dry.img")]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--port PORT is required/);
    assert.equal(r.stdout, "");
  });

  test("bad --chip, unknown option, misaligned --offset are errors", () => {
    assert.equal(flash(["--dry-run", "--chip", "esp32s3"]).status, 2);
    assert.equal(flash(["--dry-run", "--bogus"]).status, 2);
    const r = flash(["--dry-run", "--image", join(tmp, "dry.img"), "--offset", "0x190100"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /not 4 KiB/);
  });

  test("without esptool it says how to install it (no port touched)", () => {
    const r = flash(["--port", "/dev/nonexistent-atmqtt", "--image", join(tmp, "dry.img")], { ATMQTT_ESPTOOL_VERSION: "none" });
    assert.equal(r.status, 4);
    assert.match(r.stderr, /python3 -m pip install esptool/);
  });
});
