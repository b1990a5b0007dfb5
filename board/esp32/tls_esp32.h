/* TLS for the ESP32's socket link (tls_esp32.cpp, WiFiClientSecure) and the
 * CA table it verifies against (ca_table.c). hal_esp32.c hands every socket
 * opened with sock_open flags bit 0 to these; their handles are offset by
 * TLS_HANDLE_BASE so the HAL tells them from plain lwIP sockets.
 * NOT compiled in this repository: see README.md. */
#ifndef ATMQTT_TLS_ESP32_H
#define ATMQTT_TLS_ESP32_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TLS_HANDLE_BASE 16

/* CA certificates (PEM text) by slot: sock_open flags bits 8-15, config key 19. */
extern const char *const atmqtt_ca_table[];
extern const int atmqtt_ca_count;

/* As hal_sock_*; the handle is TLS_HANDLE_BASE + slot, or a negative error. */
int32_t board_tls_open(const char *host, int32_t port, int32_t flags);
int32_t board_tls_state(int32_t h);
int32_t board_tls_write(int32_t h, const uint8_t *p, int32_t len);
int32_t board_tls_read(int32_t h, uint8_t *p, int32_t max);
void    board_tls_close(int32_t h);

#ifdef __cplusplus
}
#endif

#endif
