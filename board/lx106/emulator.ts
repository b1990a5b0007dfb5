// The lx106 board for `atmqtt sim --board lx106-qemu`: the ESP8266's CPU
// core (Xtensa lx106), compiler and libc, with a QEMU-board HAL, under
// qemu-system-xtensa's lx60-nommu board. The module runs translated ahead of
// time by wasm2c. Modem UART: the board's 16550 as a raw TCP client
// (-serial tcp:); console: QEMU's stdin/stdout through semihosting, so
// nothing else may print there (-nodefaults -display none: no monitor, no
// other serial port).
// ATMQTT_LX106_ICOUNT=N runs QEMU with -icount shift=N,sleep=on: CCOUNT
// then counts 2^N ns per instruction at 40 MHz, i.e. 2^N * 0.04 cycles per
// instruction (the instruction counts of the lx106 tests).
import type { BoardEmulator } from '../../sim/board/types.ts';

export const board: BoardEmulator = {
  name: 'lx106-qemu',
  engine: 'wasm2c',
  // the default module fits: ~25 KB of the ESP8266's 80 KiB data RAM
  profile: 'default',
  cpu: 'Xtensa lx106 (the ESP8266 core) in qemu-system-xtensa -M lx60-nommu',
  build: ['bash', 'board/lx106/build.sh'],
  artifact: 'build/lx106/atmqtt-lx106.elf',
  needs: [
    { cmd: 'qemu-system-xtensa', pkg: 'qemu-system-misc' },
    { cmd: 'xtensa-lx106-elf-gcc', pkg: 'gcc-xtensa-lx106 binutils-xtensa-lx106 picolibc-xtensa-lx106-elf' },
    { cmd: 'wasm2c', pkg: 'wabt' },
  ],
  spawn: ({ artifact, modemPort }) => {
    const icount = process.env.ATMQTT_LX106_ICOUNT;
    return {
      cmd: 'qemu-system-xtensa',
      args: [
        '-M', 'lx60-nommu', '-cpu', 'lx106', '-nodefaults', '-display', 'none',
        // nodelay: with Nagle each AT command left in two segments, 40 ms apart
        '-serial', `tcp:127.0.0.1:${modemPort},nodelay=on`,
        '-semihosting',
        ...(icount ? ['-icount', `shift=${Number(icount)},sleep=on`] : []),
        '-kernel', artifact,
      ],
    };
  },
  modemLink: 'raw',
};
