/* Reset entry and exception vectors for the lx106 (call0 ABI, no register
 * windows, no interrupts used: the HAL polls).
 * QEMU's lx60 board starts at its reset vector (0x50000000) in a stub that
 * jumps to the ELF entry; _start sets the stack and VECBASE, then C.
 * Every exception is fatal here: lx106_fatal reports it on the console and
 * resets the board, as the ESP8266 SDK's exception handler does. */
        .section .iram.text, "ax"
        .literal_position
        .align  4
        .global _start
        .type   _start, @function
_start:
        movi    a0, 0
        movi    a1, _stack_top
        movi    a2, _vector_table
        wsr     a2, vecbase
        /* user vector for exceptions, interrupts masked */
        movi    a2, 0x2f
        wsr     a2, ps
        rsync
        movi    a2, lx106_start
        callx0  a2
1:      j       1b
        .size   _start, . - _start

        /* A level-1 interrupt (cause 4) only ends a waiti in lx106_idle
         * (timer or UART): mask every source and return; the sleeper
         * re-arms what it waits for. Anything else is fatal. */
        .align  4
user_exception:
        rsr     a2, exccause
        beqi    a2, 4, 1f
        movi    a2, 4
        j       fatal_common
1:      movi    a2, 0
        wsr     a2, intenable
        rsr     a2, excsave1
        rfe

        .align  4
fatal_common:
        /* a2 = which vector; keep EPC1 / EXCCAUSE / EXCVADDR for C */
        movi    a1, _stack_top
        addi    a1, a1, -64       /* the old stack may be the problem */
        rsr     a3, exccause
        rsr     a4, epc1
        rsr     a5, excvaddr
        movi    a0, lx106_fatal
        callx0  a0
2:      j       2b

        .section .DebugExceptionVector.text, "ax"
        .global _DebugExceptionVector
_DebugExceptionVector:
        movi    a2, 1
        j       fatal_common

        .section .NMIExceptionVector.text, "ax"
        .global _NMIExceptionVector
_NMIExceptionVector:
        movi    a2, 2
        j       fatal_common

        .section .KernelExceptionVector.text, "ax"
        .global _KernelExceptionVector
_KernelExceptionVector:
        movi    a2, 3
        j       fatal_common

        .section .UserExceptionVector.text, "ax"
        .global _UserExceptionVector
_UserExceptionVector:
        wsr     a2, excsave1
        j       user_exception

        .section .DoubleExceptionVector.text, "ax"
        .global _DoubleExceptionVector
_DoubleExceptionVector:
        movi    a2, 5
        j       fatal_common
