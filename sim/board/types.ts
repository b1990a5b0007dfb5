// What `atmqtt sim --board NAME` needs to know about one board: how to build
// its image and how to start the emulator of its CPU. Each board folder has
// an emulator.ts exporting `board: BoardEmulator`; sim/board/ does the rest
// (the emulated modem on the board's modem UART, the console protocol of
// board/CONSOLE.md on the emulator's stdin/stdout, JSON events out).

export interface BoardEmulator {
  /** `--board` name: atmega1284p, lx106-qemu, rv32-qemu */
  name: string;
  /** how the .wasm runs there: wasm2c (ahead of time) or wasm3 (interpreter) */
  engine: 'wasm2c' | 'wasm3';
  /** build profile of the module it carries */
  profile: 'default' | 'small';
  /** CPU and emulator, for messages and docs */
  cpu: string;
  /** command that builds the image (run from the repository root) */
  build: string[];
  /** the image the emulator loads; rebuilt when missing or older than the module */
  artifact: string;
  /** tools it needs, each with the Debian package that has it */
  needs: { cmd: string; pkg: string }[];
  /**
   * The emulator's command line. The board's modem UART must connect to
   * 127.0.0.1:modemPort as a TCP client; its console is the process's
   * stdin/stdout (stderr is diagnostics only).
   */
  spawn(o: { artifact: string; modemPort: number }): { cmd: string; args: string[] };
  /**
   * 'framed': the modem connection carries sim/modem-server.ts frames
   * (UART bytes, GPIO, baud), as the simavr harness sends from the real pins.
   * 'raw': plain UART bytes (a QEMU -serial tcp: chardev); pins then come as
   * console `G PIN LEVEL` lines.
   */
  modemLink: 'framed' | 'raw';
}
