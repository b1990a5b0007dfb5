// The boards `atmqtt sim --board` knows, each with the folder whose
// emulator.ts describes it (sim/board/types.ts).
import type { BoardEmulator } from './types.ts';

export const BOARDS = {
  atmega1284p: 'avr',
  'lx106-qemu': 'lx106',
  'rv32-qemu': 'rv32',
} as const;

export type BoardName = keyof typeof BOARDS;

export function isBoardName(s: string): s is BoardName {
  return Object.hasOwn(BOARDS, s);
}

/** The board's description, or an explanation of why it cannot be had. */
export async function loadBoard(name: BoardName): Promise<BoardEmulator> {
  const mod = (await import(`../../board/${BOARDS[name]}/emulator.ts`)) as { board: BoardEmulator };
  return mod.board;
}
