// The ESP8266 host's image loader (board/esp8266/image_flash.c) run on the
// desktop: tests/boards/esp8266_image_harness.c gives it a fake SPI flash (a
// file; spi_flash_read refuses unaligned calls as the SDK's does) and links
// the core with the POSIX HAL. The flash holds what `npm run flash -- --chip
// esp8266 --dry-run` says esptool would write, at the offset it prints, so
// the test checks flash tool and host agree. Also: erased flash, a bare
// .wasm (no header), an oversized header refused after reading only the
// header, a CRC flip.
// The ESP32 loader cannot be compiled here; its partition name and subtype
// are checked against board/flash/partitions.csv.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { esp32Partition } from '../../board/flash/flash.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WASM = path.join(ROOT, 'build/atmqtt.wasm');
const OUT = path.join(ROOT, 'build/test-esp8266-image');
const HARNESS = path.join(OUT, 'harness');
const IMAGE_MAX = 32768; // image_flash.c's default
const tmp = mkdtempSync(path.join(tmpdir(), 'atmqtt-esp8266-image-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const cc = spawnSync('sh', ['-c', 'command -v cc'], { stdio: 'ignore' }).status === 0;
const skip = !cc ? 'no C compiler (cc)' : !existsSync(WASM) ? 'build/atmqtt.wasm missing (npm run build:fw)' : false;

/** Native wasm3 objects (cached in build/) + the harness. */
function buildHarness(): void {
  execFileSync('bash', ['-c', '. board/core/fetch-wasm3.sh'], { cwd: ROOT, stdio: 'inherit' });
  const src = path.join(ROOT, 'build/wasm3-src');
  mkdirSync(path.join(OUT, 'wasm3'), { recursive: true });
  const objs: string[] = [];
  for (const f of readdirSync(src).filter((n) => /^m3_.*\.c$/.test(n))) {
    const o = path.join(OUT, 'wasm3', f.replace(/\.c$/, '.o'));
    if (!existsSync(o)) execFileSync('cc', ['-O2', '-std=gnu11', '-w', '-I', src, '-c', path.join(src, f), '-o', o]);
    objs.push(o);
  }
  execFileSync('cc', ['-O1', '-std=gnu99', '-Wall', '-Wextra', '-Werror', '-I', src, '-I', 'board/core', '-I', 'board/posix',
    '-o', HARNESS, 'tests/boards/esp8266_image_harness.c', 'board/esp8266/image_flash.c', 'board/core/atmqtt_host.c',
    'board/core/io_table.c', 'board/posix/hal_posix.c', ...objs, '-lm'], { cwd: ROOT, stdio: 'inherit' });
}

interface Flashed { offset: number; image: Buffer }

/** The esptool command of a dry run: its offset and the image file it names. */
function dryRun(): Flashed {
  const out = path.join(tmp, 'atmqtt.img');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'board/flash/flash.ts', '--port', '/dev/null', '--chip', 'esp8266',
    '--dry-run', '--out', out], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ATMQTT_ESPTOOL_VERSION: '5.6.0' } });
  assert.equal(r.status, 0, r.stderr);
  const m = / write-flash (0x[0-9a-f]+) (\S+)\n$/.exec(r.stdout);
  assert.ok(m, `no write-flash in ${r.stdout}`);
  return { offset: parseInt(m[1]!, 16), image: readFileSync(m[2]!) };
}

/** A flash file: erased (0xFF) up to `offset`, then `data`. */
function flashWith(name: string, offset: number, data: Buffer): string {
  const f = path.join(tmp, name);
  writeFileSync(f, Buffer.concat([Buffer.alloc(offset, 0xff), data]));
  return f;
}

function harness(flash: string): { status: number | null; stdout: string; stderr: string; read: number } {
  const r = spawnSync(HARNESS, [flash], { encoding: 'utf8', timeout: 30_000 });
  const m = /flash-read: (\d+) bytes/.exec(r.stdout);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, read: m ? Number(m[1]) : -1 };
}

describe('ESP8266 image from flash (image_flash.c on a fake flash)', { skip }, () => {
  let flashed: Flashed;
  before(() => {
    buildHarness();
    flashed = dryRun();
  });

  test('what npm run flash writes at its offset loads: header, CRC, wasm3 parse and setup()', () => {
    assert.equal(flashed.offset, 0x300000);
    const r = harness(flashWith('good.bin', flashed.offset, flashed.image));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`started: ${flashed.image.length}-byte image`));
    // the header, then the module in whole words: no more than the image
    assert.equal(r.read, 16 + ((flashed.image.length - 16 + 3) & ~3));
  });

  test('erased flash: refused after the header', () => {
    const r = harness(flashWith('erased.bin', 0x300000, Buffer.alloc(64, 0xff)));
    assert.equal(r.status, 3);
    assert.match(r.stderr, /image: none \(erased flash\)/);
    assert.equal(r.read, 16);
  });

  test('the bare .wasm written without the header: bad magic', () => {
    const r = harness(flashWith('bare.bin', 0x300000, readFileSync(WASM)));
    assert.equal(r.status, 3);
    assert.match(r.stderr, /image: bad magic/);
    assert.equal(r.read, 16);
  });

  test('header longer than ATMQTT_IMAGE_MAX: refused before copying', () => {
    const big = Buffer.from(flashed.image);
    big.writeUInt32LE(IMAGE_MAX - 16 + 1, 4);
    const r = harness(flashWith('big.bin', 0x300000, big));
    assert.equal(r.status, 3);
    assert.match(r.stderr, new RegExp(`header says a ${IMAGE_MAX - 15}-byte module, this board holds ${IMAGE_MAX} bytes`));
    assert.equal(r.read, 16);
  });

  test('one bit flipped in the module: the core refuses the CRC', () => {
    const bad = Buffer.from(flashed.image);
    bad[16 + 1000]! ^= 0x10;
    const r = harness(flashWith('crc.bin', 0x300000, bad));
    assert.equal(r.status, 3);
    assert.match(r.stderr, /image: CRC mismatch/);
  });
});

describe('ESP32 loader agrees with the partition table', () => {
  test('image.c maps the "atmqtt" partition, subtype 0x40; platformio.ini builds with board/flash/partitions.csv', () => {
    const csv = readFileSync(path.join(ROOT, 'board/flash/partitions.csv'), 'utf8');
    const row = /^atmqtt,\s*data,\s*(0x[0-9a-f]+),/m.exec(csv);
    assert.ok(row);
    const c = readFileSync(path.join(ROOT, 'board/esp32/image.c'), 'utf8');
    assert.match(c, /#define PART_LABEL\s+"atmqtt"/);
    assert.equal(parseInt(/#define PART_SUBTYPE\s+(0x[0-9a-f]+)/.exec(c)![1]!, 16), parseInt(row[1]!, 16));
    assert.match(c, /esp_partition_find_first\(ESP_PARTITION_TYPE_DATA, \(esp_partition_subtype_t\)PART_SUBTYPE, PART_LABEL\)/);
    const ini = readFileSync(path.join(ROOT, 'board/esp32/platformio.ini'), 'utf8');
    const p = /^board_build\.partitions\s*=\s*(\S+)/m.exec(ini);
    assert.ok(p, 'platformio.ini sets no board_build.partitions');
    assert.equal(path.resolve(ROOT, 'board/esp32', p[1]!), path.join(ROOT, 'board/flash/partitions.csv'));
    assert.equal(esp32Partition().offset, 0x190000);
  });
});
