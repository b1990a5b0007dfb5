/* QEMU Xtensa semihosting calls: a2 = call number, a3..a5 arguments,
 * result in a2, errno in a3 (target/xtensa/xtensa-semi.c). */
#include "semihost.h"

enum { SYS_EXIT = 1, SYS_READ = 3, SYS_WRITE = 4, SYS_SELECT_ONE = 29 };
enum { SELECT_READ = 1 };

static int32_t simcall(int32_t nr, int32_t a, int32_t b, int32_t c)
{
    register int32_t a2 __asm__("a2") = nr;
    register int32_t a3 __asm__("a3") = a;
    register int32_t a4 __asm__("a4") = b;
    register int32_t a5 __asm__("a5") = c;
    __asm__ volatile("simcall" : "+r"(a2), "+r"(a3) : "r"(a4), "r"(a5) : "memory");
    return a2;
}

int32_t sh_write(int32_t fd, const void *p, int32_t len)
{
    return simcall(SYS_WRITE, fd, (int32_t)(uintptr_t)p, len);
}

int sh_stdin_ready(void)
{
    /* a zero timeout: a poll, never a wait */
    static const uint32_t tv[2] = { 0, 0 };
    return simcall(SYS_SELECT_ONE, 0, SELECT_READ, (int32_t)(uintptr_t)tv) > 0;
}

int32_t sh_read_nb(void *p, int32_t max)
{
    int32_t n;
    if (!sh_stdin_ready()) return 0;
    n = simcall(SYS_READ, 0, (int32_t)(uintptr_t)p, max);
    return n > 0 ? n : 0;
}

void sh_exit(int32_t status)
{
    simcall(SYS_EXIT, status, 0, 0);
    for (;;) {}
}
