/* atmqtt board HAL: what each board implements for the portable host core
 * (board/core/atmqtt_host.c). One function per import of board/ABI.md, plus
 * hal_sleep. Pointers are host pointers already bounds-checked by the core;
 * lengths are never negative. None of these may block, except hal_sleep. */
#ifndef ATMQTT_HAL_H
#define ATMQTT_HAL_H

#include <stdint.h>

uint32_t hal_millis(void);

int32_t hal_uart_write(const uint8_t *p, int32_t len);
int32_t hal_uart_read(uint8_t *p, int32_t max);
void    hal_uart_set_baud(int32_t baud);
void    hal_gpio_write(int32_t pin, int32_t level);

/* Board I/O for apps (board/ABI.md, "Board I/O"): each returns >= 0 or an
 * ATMQTT_ERR_ code (atmqtt_abi.h). The core has already refused the
 * modem's pins (HAL_MODEM_PIN) and checked the pointers. Boards without
 * wired I/O use board/core/io_table.c; mode 0 input, 1 output, 2 pull-up. */
int32_t hal_pin_mode(int32_t pin, int32_t mode);
int32_t hal_pin_read(int32_t pin);
int32_t hal_pin_write(int32_t pin, int32_t level);
int32_t hal_adc_read(int32_t channel);
int32_t hal_i2c_xfer(int32_t addr, const uint8_t *w, int32_t wlen, uint8_t *r, int32_t rlen);
/* The modem's PWRKEY and RESET pins (PIN_PWRKEY, PIN_RESET in
 * assembly/config.ts), which gpio_write drives: never an app's. */
#define HAL_PIN_PWRKEY 4
#define HAL_PIN_RESET  5
#define HAL_MODEM_PIN(p) ((p) == HAL_PIN_PWRKEY || (p) == HAL_PIN_RESET)

int32_t hal_sock_open(const char *host, int32_t host_len, int32_t port, int32_t flags);
int32_t hal_sock_write(int32_t h, const uint8_t *p, int32_t len);
int32_t hal_sock_read(int32_t h, uint8_t *p, int32_t max);
int32_t hal_sock_state(int32_t h);
void    hal_sock_close(int32_t h);

void    hal_random_fill(uint8_t *p, int32_t len);
/* one line of text, no newline; level 1 error, 2 warn, 3 info, 4 debug */
void    hal_log(int32_t level, const char *text, int32_t len);
/* copy up to max bytes of the value; return its full length or -1 when unset */
int32_t hal_config_read(int32_t key, uint8_t *p, int32_t max);
void    hal_event(int32_t kind, int32_t a, int32_t b, const uint8_t *p, int32_t len);
void    hal_message(const uint8_t *topic, int32_t topic_len, const uint8_t *payload, int32_t payload_len, int32_t flags);

/* The board console (board/CONSOLE.md, board/core/console.c), on boards
 * that have one. read: copy up to max received bytes, 0 when none, never
 * waits. write: takes all len bytes, never drops one: it may wait for room
 * (on a chip, in an interrupt-driven TX ring while interrupts keep the
 * modem UART served). */
int32_t hal_console_read(uint8_t *p, int32_t max);
int32_t hal_console_write(const uint8_t *p, int32_t len);

/* Wait up to ms milliseconds; may return early when a socket, the UART or
 * a console has something. The board may call the core's export wrappers
 * from here (never from the other hal_ functions). */
void    hal_sleep(uint32_t ms);

#endif
