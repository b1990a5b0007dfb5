/* POSIX HAL extras for main.c */
#ifndef ATMQTT_HAL_POSIX_H
#define ATMQTT_HAL_POSIX_H
#include <stdint.h>
#include "atmqtt_abi.h"

#define HAL_CONFIG_KEYS ATMQTT_CONFIG_KEYS
extern const char *hal_posix_config[HAL_CONFIG_KEYS];
extern int hal_posix_log_level; /* lines above this level are not printed (default 2) */

/* hal_sleep also polls fd and calls cb when it is readable (or hung up) */
void hal_posix_watch_fd(int fd, void (*cb)(void));
void hal_posix_emit(const char *json_line); /* one line on stdout */
/* the UART to a modem: a TCP connection to `atmqtt modem --listen PORT` */
int hal_posix_uart_connect(const char *host, const char *port);
const char *hal_posix_error_name(int32_t code, char *buf, int n);
/* writes s as a JSON string (with quotes) into out; returns the new position */
int hal_posix_json_string(char *out, int cap, int pos, const uint8_t *s, int32_t len, int *valid_utf8);
#endif
