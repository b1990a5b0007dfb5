// `atmqtt sim --board atmega1284p`: the ATmega1284P image (the small
// profile's module translated ahead of time by wasm2c) inside libsimavr,
// through board/avr/simavr/harness.c: USART1 on the framed modem link,
// USART0 (the console of board/CONSOLE.md) on stdin/stdout, 16 MHz, real time.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BoardEmulator } from '../../sim/board/types.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const board: BoardEmulator = {
  name: 'atmega1284p',
  engine: 'wasm2c',
  profile: 'small',
  cpu: 'ATmega1284P (AVR, 16 MHz, 128 KiB flash, 16 KiB SRAM) in simavr',
  build: ['bash', 'board/avr/build.sh'],
  artifact: 'build/avr/atmqtt-avr.elf',
  needs: [
    { cmd: 'avr-gcc', pkg: 'gcc-avr' },
    { cmd: 'avr-objcopy', pkg: 'binutils-avr' },
    { cmd: 'wasm2c', pkg: 'wabt' },
    { cmd: 'simavr', pkg: 'simavr' },
    { cmd: 'cc', pkg: 'build-essential' },
  ],
  // the harness is built beside the image (build.sh's OUT; a project's build/atmega1284p/)
  spawn: ({ artifact, modemPort }) => ({
    cmd: path.join(path.dirname(path.resolve(ROOT, artifact)), 'atmqtt-simavr'),
    args: ['--elf', path.resolve(ROOT, artifact), '--modem-port', String(modemPort)],
  }),
  modemLink: 'framed',
};
