/* Bring-up check: echoes console lines, sends AT to the modem UART every
 * second and prints what comes back, prints the clock. */
#include <stdint.h>
#include "clock.h"
#include "semihost.h"
#include "startup.h"
#include "uart16550.h"

static void out(const char *s)
{
    int32_t n = 0;
    while (s[n]) n++;
    sh_write(1, s, n);
}

static void num(uint32_t v)
{
    char b[12], *p = b + 11;
    *p = 0;
    do { *--p = (char)('0' + v % 10u); v /= 10u; } while (v);
    out(p);
}

int main(void)
{
    uint8_t buf[64];
    char line[128];
    int32_t ll = 0, ml = 0;
    char mline[128];
    uint32_t next = 0;
    clock_init();
    uart_init(115200);
    out("R lx106-hello test\nL 3 clock_hz=");
    num(clock_hz());
    out("\n");
    for (;;) {
        int32_t n = sh_read_nb(buf, sizeof buf), i;
        for (i = 0; i < n; i++) {
            if (buf[i] == '\n') {
                line[ll] = 0;
                out("L 3 echo ");
                out(line);
                out("\n");
                if (line[0] == 'q') sh_exit(0);
                if (line[0] == 'c') { volatile uintptr_t bad = 3; *(volatile uint32_t *)bad = 1; } /* a fault */
                ll = 0;
            } else if (ll < 127) line[ll++] = (char)buf[i];
        }
        n = uart_read(buf, sizeof buf);
        for (i = 0; i < n; i++) {
            if (buf[i] == '\n' || ml == 127) {
                mline[ml] = 0;
                out("L 3 modem ");
                out(mline);
                out("\n");
                ml = 0;
            } else if (buf[i] != '\r') mline[ml++] = (char)buf[i];
        }
        if ((int32_t)(clock_millis() - next) >= 0) {
            next += 1000;
            uart_write((const uint8_t *)"AT\r", 3);
            out("L 3 ms=");
            num(clock_millis());
            out(" stack=");
            num(stack_high_water());
            out("\n");
        }
        clock_idle(50);
    }
}
