/* The socket half of hal.h for boards without an IP stack of their own:
 * they reach the network only through an AT modem on their UART. The
 * firmware reports -20 (unsupported) for a socket link there. */
#include "hal.h"

int32_t hal_sock_open(const char *host, int32_t host_len, int32_t port, int32_t flags)
{ (void)host; (void)host_len; (void)port; (void)flags; return -20; }
int32_t hal_sock_write(int32_t h, const uint8_t *p, int32_t len) { (void)h; (void)p; (void)len; return -12; }
int32_t hal_sock_read(int32_t h, uint8_t *p, int32_t max) { (void)h; (void)p; (void)max; return -12; }
int32_t hal_sock_state(int32_t h) { (void)h; return -12; }
void hal_sock_close(int32_t h) { (void)h; }
