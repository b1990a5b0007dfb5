// rv32-qemu: an ESP32-C3-class rv32imc core running the module in wasm3,
// on QEMU's riscv32 'virt' machine. The modem UART (virt's NS16550A) is a
// raw TCP client of the modem port; the console is a PCI 16550 on QEMU's
// stdio. Nothing else may reach stdout: no monitor, no display, no default
// devices. RV32_ICOUNT=1 runs with -icount shift=0 (one instruction, one
// virtual ns) so that instret in the console's `S` lines counts
// instructions; without it QEMU's instret follows the host clock.
import type { BoardEmulator } from '../../sim/board/types.ts';

export const board: BoardEmulator = {
  name: 'rv32-qemu',
  engine: 'wasm3',
  profile: 'default',
  cpu: 'rv32imc (ESP32-C3 class) on qemu-system-riscv32 -M virt',
  build: ['bash', 'board/rv32/build.sh'],
  artifact: 'build/rv32/atmqtt-rv32.elf',
  needs: [
    { cmd: 'qemu-system-riscv32', pkg: 'qemu-system-misc' },
    { cmd: 'riscv64-unknown-elf-gcc', pkg: 'gcc-riscv64-unknown-elf' },
    { cmd: '/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs', pkg: 'picolibc-riscv64-unknown-elf' },
  ],
  spawn({ artifact, modemPort }) {
    const args = [
      '-M', 'virt', '-bios', 'none', '-kernel', artifact, '-m', '128M',
      '-nodefaults', '-display', 'none', '-monitor', 'none',
      '-serial', `tcp:127.0.0.1:${modemPort},nodelay=on`,
      '-chardev', 'stdio,id=console,signal=off',
      '-device', 'pci-serial,chardev=console',
    ];
    if (process.env.RV32_ICOUNT) args.push('-icount', 'shift=0');
    return { cmd: 'qemu-system-riscv32', args };
  },
  modemLink: 'raw',
};
