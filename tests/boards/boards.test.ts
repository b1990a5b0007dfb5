// Cross builds of the board hosts: board/esp8266/build.sh (xtensa-lx106-elf-gcc
// + picolibc, objects and a relocatable; by default the image is read from
// flash, with EMBED=1 linked in) and board/avr/build.sh (avr-gcc + avr-libc,
// a full ATmega1284P ELF). Each runs only when its compiler is
// installed (skipped with the Debian packages to install otherwise); asserts
// the outputs exist and prints the size figures as '# ' lines.
// The ESP32 target (board/esp32, PlatformIO) is not built here.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WASM = path.join(ROOT, 'build/atmqtt.wasm');

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

interface Target {
  name: string;
  dir: string; // build/<dir>/sizes.txt
  env?: Record<string, string>;
  script: string;
  compiler: string;
  extra: string[]; // files that must also exist for the compiler to work
  packages: string;
  outputs: string[];
}

const TARGETS: Target[] = [
  {
    name: 'esp8266',
    dir: 'esp8266',
    script: 'board/esp8266/build.sh',
    compiler: 'xtensa-lx106-elf-gcc',
    extra: ['/usr/lib/xtensa-lx106-elf/picolibc.specs'],
    packages: 'gcc-xtensa-lx106 binutils-xtensa-lx106 picolibc-xtensa-lx106-elf',
    outputs: ['build/esp8266/atmqtt-esp8266.o', 'build/esp8266/image_flash.o', 'build/esp8266/atmqtt.img', 'build/esp8266/sizes.txt'],
  },
  {
    name: 'esp8266 EMBED=1',
    dir: 'esp8266-embed',
    env: { EMBED: '1' },
    script: 'board/esp8266/build.sh',
    compiler: 'xtensa-lx106-elf-gcc',
    extra: ['/usr/lib/xtensa-lx106-elf/picolibc.specs'],
    packages: 'gcc-xtensa-lx106 binutils-xtensa-lx106 picolibc-xtensa-lx106-elf',
    outputs: ['build/esp8266-embed/atmqtt-esp8266.o', 'build/esp8266-embed/atmqtt_image.c', 'build/esp8266-embed/sizes.txt'],
  },
  {
    name: 'avr',
    dir: 'avr',
    script: 'board/avr/build.sh',
    compiler: 'avr-gcc',
    extra: [],
    packages: 'gcc-avr binutils-avr avr-libc',
    outputs: ['build/avr/atmqtt-avr.elf', 'build/avr/atmqtt-avr.hex', 'build/avr/sizes.txt'],
  },
];

describe('board cross builds', () => {
  for (const t of TARGETS) {
    const missing = [t.compiler].filter((c) => !have(c)).concat(t.extra.filter((f) => !existsSync(f)));
    const skip = missing.length > 0
      ? `${t.name}: ${missing.join(', ')} not installed (Debian: apt-get install -y ${t.packages})`
      : !existsSync(WASM) ? `${t.name}: build/atmqtt.wasm missing (npm run build:fw)` : false;
    test(`${t.name}: ${t.script} builds and reports sizes`, { skip, timeout: 300_000 }, (ctx) => {
      const t0 = Date.now();
      const out = execFileSync('bash', [t.script], {
        cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...t.env },
      });
      const seconds = ((Date.now() - t0) / 1000).toFixed(1);
      for (const f of t.outputs) {
        const p = path.join(ROOT, f);
        assert.ok(existsSync(p), `${f} missing after ${t.script}`);
        assert.ok(statSync(p).size > 0, `${f} is empty`);
      }
      const sizes = readFileSync(path.join(ROOT, `build/${t.dir}/sizes.txt`), 'utf8');
      assert.match(sizes, t.name === 'avr' ? /wasm2c/ : /wasm3/); // the AVR image is translated ahead of time
      assert.match(sizes, /module/);
      ctx.diagnostic(`${t.name}: build ${seconds} s`);
      for (const line of sizes.split('\n').filter((l) => l.trim() !== '')) ctx.diagnostic(line.replace(/^# ?/, ''));
      assert.ok(out.length > 0);
      if (t.dir === 'esp8266') {
        // the image is not linked in: the host reads it from flash
        assert.match(sizes, /module:\s+not linked: \d+-byte image in flash at 0x300000/);
        const nm = execFileSync('xtensa-lx106-elf-nm', [path.join(ROOT, 'build/esp8266/atmqtt-esp8266.o')], { encoding: 'utf8' });
        assert.doesNotMatch(nm, / atmqtt_image$/m);
        assert.match(nm, / [wv] spi_flash_read$/m, 'spi_flash_read should be a weak SDK reference');
      }
      if (t.name === 'avr') {
        const m = /Program:\s+(\d+) bytes/.exec(sizes);
        assert.ok(m, 'avr-size -C printed no Program line');
        assert.ok(Number(m[1]) <= 128 * 1024, `flash ${m[1]} bytes exceeds the ATmega1284P's 128 KiB`);
      }
    });
  }
});
