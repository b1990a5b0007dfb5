/* ESP8266 HAL for the atmqtt host core (NONOS SDK style; the same calls
 * exist in ESP8266_RTOS_SDK 2.x). The modem hangs on UART0, swapped to
 * GPIO13 (RX) / GPIO15 (TX) with system_uart_swap() so GPIO1/3 stay on the
 * USB-serial bridge; logs go out on UART1 TX (GPIO2). PWRKEY = GPIO4,
 * RESET = GPIO5 (ABI pins 4 and 5 map 1:1). The image comes from
 * image_flash.c (flash region 0x300000, or linked in). No host sockets:
 * sock_open returns -20 (unsupported), so only AT-modem links (sim800,
 * sim900, esp-at) work. wasm3 allocates from its fixed heap
 * (-Dd_m3FixedHeap).
 *
 * UART, GPIO and the RNG are driven through their registers; SDK calls
 * (time, timer, watchdog, restart, pin swap, flash read) are weak so the
 * file compiles without the SDK (the build here makes objects only).
 *
 * Fixed heap caveat: wasm3's d_m3FixedHeap allocator is a bump allocator
 * that frees only the last block, so the core's in-place restart after a
 * trap would leak the heap. This board therefore reboots the chip
 * (system_restart) when a restart falls due, instead of reloading. */
#include "atmqtt_host.h"
#include "hal.h"
#include "atmqtt_abi.h" /* config keys and error codes, generated */

#include <stdint.h>
#include <string.h>

/* ---- SDK (weak: absent in the object-only build) ---- */
typedef struct { uint8_t opaque[20]; } board_timer_t; /* ETSTimer / os_timer_t */
typedef void (*board_timer_fn)(void *);
extern uint32_t system_get_time(void) __attribute__((weak));          /* us, wraps */
extern void system_restart(void) __attribute__((weak));
extern void system_soft_wdt_feed(void) __attribute__((weak));
extern void system_uart_swap(void) __attribute__((weak));
extern void os_delay_us(uint16_t us) __attribute__((weak));
extern void ets_timer_setfn(board_timer_t *t, board_timer_fn fn, void *arg) __attribute__((weak));
extern void ets_timer_arm_new(board_timer_t *t, uint32_t ms, int repeat, int is_ms) __attribute__((weak));
extern void ets_timer_disarm(board_timer_t *t) __attribute__((weak));
extern uint16_t system_adc_read(void) __attribute__((weak));          /* TOUT (A0), 10 bits */

/* ---- registers (ESP8266 technical reference) ---- */
#define REG(a) (*(volatile uint32_t *)(a))
#define UART_BASE(n)      (0x60000000u + (n) * 0xF00u)
#define UART_FIFO(n)      REG(UART_BASE(n) + 0x00)
#define UART_CLKDIV(n)    REG(UART_BASE(n) + 0x14)
#define UART_STATUS(n)    REG(UART_BASE(n) + 0x1C)
#define UART_CONF0(n)     REG(UART_BASE(n) + 0x20)
#define UART_RXCNT(n)     (UART_STATUS(n) & 0xFFu)
#define UART_TXCNT(n)     ((UART_STATUS(n) >> 16) & 0xFFu)
#define UART_FIFO_LEN     128u
#define UART_CLK_FREQ     80000000u
#define GPIO_OUT_W1TS     REG(0x60000304u)
#define GPIO_OUT_W1TC     REG(0x60000308u)
#define GPIO_ENABLE_W1TS  REG(0x60000310u)
#define GPIO_ENABLE_W1TC  REG(0x60000314u)
#define GPIO_IN           REG(0x60000318u)
#define IO_MUX(off)       REG(0x60000800u + (off))
#define IO_MUX_PULLUP     (1u << 7)
#define IO_MUX_FUNC_MASK  ((3u << 4) | (1u << 8))
#define HW_RANDOM         REG(0x3FF20E44u)

#define MODEM_UART 0
#define LOG_UART   1

#ifndef BOARD_STACK_BYTES
#define BOARD_STACK_BYTES 6144u   /* wasm3 value stack, from the fixed heap */
#endif
#ifndef BOARD_MEMORY_LIMIT
#define BOARD_MEMORY_LIMIT ATMQTT_DEFAULT_MEMORY_LIMIT
#endif

/* ---- configuration: compiled in (override with -DATMQTT_CFG_...) ---- */
#ifndef ATMQTT_CFG_BROKER
#define ATMQTT_CFG_BROKER "mqtt://test.mosquitto.org:1883"
#endif
#ifndef ATMQTT_CFG_LINK
#define ATMQTT_CFG_LINK "sim800"
#endif
#ifndef ATMQTT_CFG_APN
#define ATMQTT_CFG_APN "internet" /* the operator's APN: a SIM800/SIM900 with none is a configuration error */
#endif
#ifndef ATMQTT_CFG_BAUD
#define ATMQTT_CFG_BAUD "115200"
#endif
static const char *const config[ATMQTT_CONFIG_KEYS] = {
    [ATMQTT_KEY_URL] = ATMQTT_CFG_BROKER, [ATMQTT_KEY_LINK] = ATMQTT_CFG_LINK, [ATMQTT_KEY_BAUD] = ATMQTT_CFG_BAUD, [ATMQTT_KEY_APN] = ATMQTT_CFG_APN,
};

/* the image: from its flash region, or linked in with EMBED=1 (image_flash.c) */
const uint8_t *board_image(uint32_t *len);

/* ---- time ---- */
uint32_t hal_millis(void)
{
    static uint32_t last_us, acc_ms, rem_us;
    uint32_t now, d;
    if (!system_get_time) return 0;
    now = system_get_time();
    d = now - last_us;            /* handles the 71-minute wrap of the us clock */
    last_us = now;
    rem_us += d;
    acc_ms += rem_us / 1000u;
    rem_us %= 1000u;
    return acc_ms;
}

/* ---- UART ---- */
#define RX_RING 512u
static uint8_t rx_ring[RX_RING];
static uint16_t rx_head, rx_tail;

static void uart_poll(void)
{
    while (UART_RXCNT(MODEM_UART)) {
        uint8_t b = (uint8_t)UART_FIFO(MODEM_UART);
        uint16_t next = (uint16_t)((rx_head + 1u) % RX_RING);
        if (next == rx_tail) break; /* full: leave the rest in the FIFO */
        rx_ring[rx_head] = b;
        rx_head = next;
    }
}

int32_t hal_uart_write(const uint8_t *p, int32_t len)
{
    int32_t n = 0;
    while (n < len && UART_TXCNT(MODEM_UART) < UART_FIFO_LEN - 1u) UART_FIFO(MODEM_UART) = p[n++];
    return n;
}

int32_t hal_uart_read(uint8_t *p, int32_t max)
{
    int32_t n = 0;
    uart_poll();
    while (n < max && rx_tail != rx_head) {
        p[n++] = rx_ring[rx_tail];
        rx_tail = (uint16_t)((rx_tail + 1u) % RX_RING);
    }
    return n;
}

void hal_uart_set_baud(int32_t baud)
{
    if (baud <= 0) return;
    UART_CLKDIV(MODEM_UART) = (UART_CLK_FREQ / (uint32_t)baud) & 0xFFFFFu;
    UART_CONF0(MODEM_UART) = 0x1Cu; /* 8 data bits, no parity, 1 stop bit */
}

/* ---- GPIO: ABI pin n = GPIOn (4 PWRKEY, 5 RESET) ---- */
void hal_gpio_write(int32_t pin, int32_t level)
{
    uint32_t bit;
    if (pin < 0 || pin > 15 || pin == 1 || pin == 3 || (pin >= 6 && pin <= 11)) return; /* UART0 / flash */
    bit = 1u << pin;
    if (level) GPIO_OUT_W1TS = bit; else GPIO_OUT_W1TC = bit;
    GPIO_ENABLE_W1TS = bit;
}

/* ---- board I/O: ABI pin n = GPIOn for the free ones, 0, 12, 14 (4/5 are
 * the modem's, 1/3 the USB serial, 2 the log, 13/15 the modem UART,
 * 6-11 the flash, 16 the RTC pin: refused). ADC channel 0 = TOUT (A0)
 * through the SDK's system_adc_read. No I2C controller on this chip: a
 * bit-banged one is not written yet, i2c_xfer is unsupported. ---- */
static int32_t esp_pin(int32_t pin, uint32_t *mux, uint32_t *func)
{
    switch (pin) {
    case 0:  *mux = 0x34u; *func = 0u; return 0;
    case 12: *mux = 0x04u; *func = 3u << 4; return 0;
    case 14: *mux = 0x0Cu; *func = 3u << 4; return 0;
    case 1: case 2: case 3: case 4: case 5: case 13: case 15: return ATMQTT_ERR_PIN_RESERVED;
    default: return ATMQTT_ERR_NO_SUCH_PIN;
    }
}

int32_t hal_pin_mode(int32_t pin, int32_t mode)
{
    uint32_t mux = 0, func = 0;
    int32_t r = esp_pin(pin, &mux, &func);
    if (r) return r;
    if (mode < 0 || mode > 2) return ATMQTT_ERR_NO_SUCH_PIN;
    IO_MUX(mux) = (IO_MUX(mux) & ~(IO_MUX_FUNC_MASK | IO_MUX_PULLUP)) | func | (mode == 2 ? IO_MUX_PULLUP : 0u);
    if (mode == 1) GPIO_ENABLE_W1TS = 1u << pin; else GPIO_ENABLE_W1TC = 1u << pin;
    return 0;
}

int32_t hal_pin_read(int32_t pin)
{
    uint32_t mux, func;
    int32_t r = esp_pin(pin, &mux, &func);
    return r ? r : (int32_t)((GPIO_IN >> pin) & 1u);
}

int32_t hal_pin_write(int32_t pin, int32_t level)
{
    uint32_t mux, func;
    int32_t r = esp_pin(pin, &mux, &func);
    if (r) return r;
    if (level) GPIO_OUT_W1TS = 1u << pin; else GPIO_OUT_W1TC = 1u << pin;
    return 0;
}

int32_t hal_adc_read(int32_t channel)
{
    if (channel != 0) return ATMQTT_ERR_NO_SUCH_PIN;
    return system_adc_read ? (int32_t)system_adc_read() : ATMQTT_ERR_UNSUPPORTED;
}

int32_t hal_i2c_xfer(int32_t addr, const uint8_t *w, int32_t wlen, uint8_t *r, int32_t rlen)
{ (void)addr; (void)w; (void)wlen; (void)r; (void)rlen; return ATMQTT_ERR_UNSUPPORTED; }

/* ---- sockets: none on this board ---- */
int32_t hal_sock_open(const char *host, int32_t host_len, int32_t port, int32_t flags)
{ (void)host; (void)host_len; (void)port; (void)flags; return ATMQTT_ERR_UNSUPPORTED; }
int32_t hal_sock_write(int32_t h, const uint8_t *p, int32_t len) { (void)h; (void)p; (void)len; return ATMQTT_ERR_LINK_CLOSED; }
int32_t hal_sock_read(int32_t h, uint8_t *p, int32_t max) { (void)h; (void)p; (void)max; return ATMQTT_ERR_LINK_CLOSED; }
int32_t hal_sock_state(int32_t h) { (void)h; return ATMQTT_ERR_LINK_CLOSED; }
void hal_sock_close(int32_t h) { (void)h; }

/* ---- misc ---- */
void hal_random_fill(uint8_t *p, int32_t len)
{
    int32_t i;
    for (i = 0; i < len; i++) p[i] = (uint8_t)(HW_RANDOM >> ((i & 3) * 8));
}

static void log_bytes(const char *s, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        while (UART_TXCNT(LOG_UART) >= UART_FIFO_LEN - 1u) {}
        UART_FIFO(LOG_UART) = (uint8_t)s[i];
    }
}

void hal_log(int32_t level, const char *text, int32_t len)
{
    static const char tag[] = "?EWID";
    char pre[3] = { tag[level >= 1 && level <= 4 ? level : 0], ' ', 0 };
    log_bytes(pre, 2);
    log_bytes(text, len);
    log_bytes("\r\n", 2);
}

int32_t hal_config_read(int32_t key, uint8_t *p, int32_t max)
{
    size_t n;
    if (key < 0 || key >= 19 || !config[key] || !config[key][0]) return -1;
    n = strlen(config[key]);
    memcpy(p, config[key], n < (size_t)max ? n : (size_t)max);
    return (int32_t)n;
}

/* Application hooks: weak, a sketch overrides them. */
__attribute__((weak)) void board_on_event(int32_t kind, int32_t a, int32_t b, const uint8_t *p, int32_t len)
{ (void)kind; (void)a; (void)b; (void)p; (void)len; }
__attribute__((weak)) void board_on_message(const uint8_t *t, int32_t tl, const uint8_t *p, int32_t pl, int32_t flags)
{ (void)t; (void)tl; (void)p; (void)pl; (void)flags; }

void hal_event(int32_t kind, int32_t a, int32_t b, const uint8_t *p, int32_t len) { board_on_event(kind, a, b, p, len); }
void hal_message(const uint8_t *topic, int32_t topic_len, const uint8_t *payload, int32_t payload_len, int32_t flags)
{ board_on_message(topic, topic_len, payload, payload_len, flags); }

/* Busy wait with the modem FIFO drained and the watchdog fed. Only used by
 * atmqtt_run(); the SDK build runs from a timer (board_tick) instead. */
void hal_sleep(uint32_t ms)
{
    uint32_t t0 = hal_millis();
    while ((uint32_t)(hal_millis() - t0) < ms) {
        uart_poll();
        if (rx_head != rx_tail) return;
        if (system_soft_wdt_feed) system_soft_wdt_feed();
        if (os_delay_us) os_delay_us(500);
    }
}

/* ---- entry: user_init -> timer-driven loop ---- */
static atmqtt_core core;
static board_timer_t tick_timer;

static void board_tick(void *arg)
{
    uint32_t ms;
    (void)arg;
    uart_poll();
    if (!core.running && core.traps && (int32_t)(hal_millis() - core.restart_at) >= 0) {
        hal_log(2, "fixed heap: rebooting to restart the module", 40);
        if (system_restart) system_restart();
        return;
    }
    ms = atmqtt_step(&core);
    if (ms > 20) ms = 20; /* come back soon to drain the 128-byte RX FIFO */
    if (ets_timer_arm_new) ets_timer_arm_new(&tick_timer, ms ? ms : 1, 0, 1);
}

void user_init(void)
{
    const uint8_t *image;
    uint32_t image_len = 0;
    if (system_uart_swap) system_uart_swap(); /* UART0 -> GPIO13/15 */
    hal_uart_set_baud(115200);
    core.stack_bytes = BOARD_STACK_BYTES;
    core.memory_limit = BOARD_MEMORY_LIMIT;
    image = board_image(&image_len);
    if (!image || atmqtt_start(&core, image, image_len) == ATMQTT_E_IMAGE) return;
    if (ets_timer_setfn && ets_timer_arm_new) {
        ets_timer_setfn(&tick_timer, board_tick, NULL);
        ets_timer_arm_new(&tick_timer, 1, 0, 1);
    } else {
        atmqtt_run(&core); /* no SDK timer: poll forever */
    }
}
