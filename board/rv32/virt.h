/* QEMU riscv32 'virt' machine: the addresses and registers this board uses
 * (QEMU hw/riscv/virt.c memory map). */
#ifndef RV32_VIRT_H
#define RV32_VIRT_H

#include <stdint.h>

#define VIRT_TEST       0x00100000u /* sifive_test: poweroff / reset */
#define VIRT_CLINT      0x02000000u
#define VIRT_PCIE_PIO   0x03000000u /* PCI I/O space window */
#define VIRT_PLIC       0x0c000000u
#define VIRT_UART0      0x10000000u /* NS16550A, the modem */
#define VIRT_PCIE_ECAM  0x30000000u

#define CLINT_MTIMECMP0 (VIRT_CLINT + 0x4000u)
#define CLINT_MTIME     (VIRT_CLINT + 0xbff8u)
#define MTIME_HZ        10000000u

#define UART0_IRQ       10u
#define PCIE_IRQ_FIRST  32u /* INTA..INTD of the PCIe slots, swizzled */
#define PCIE_IRQ_COUNT  4u

/* 16550 registers (byte spaced on both UARTs) */
#define U_RBR 0
#define U_THR 0
#define U_DLL 0
#define U_IER 1
#define U_DLM 1
#define U_FCR 2
#define U_LCR 3
#define U_MCR 4
#define U_LSR 5
#define LSR_DR   0x01u
#define LSR_THRE 0x20u
#define UART_CLOCK_HZ 3686400u /* virt's 16550 clock-frequency */
#define UART_FIFO 16

#define REG8(a)  (*(volatile uint8_t *)(uintptr_t)(a))
#define REG16(a) (*(volatile uint16_t *)(uintptr_t)(a))
#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))

#endif
