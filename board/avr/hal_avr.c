/* ATmega1284P HAL for the atmqtt host core (avr-libc, F_CPU 16 MHz).
 * The modem is on USART1 (PD2 RXD1 / PD3 TXD1), interrupt-driven RX ring;
 * logs go out on USART0 (PD1 TXD0, the bootloader / USB-serial port) at
 * 115200. PWRKEY = PD4, RESET = PD5 (ABI pins 4 and 5). millis from
 * Timer0 (CTC, 1 ms). No host sockets: sock_open returns -20, so only
 * AT-modem links (sim800, sim900, esp-at) work. wasm3 allocates from its
 * fixed heap (-Dd_m3FixedHeap); as on the ESP8266 that allocator cannot
 * free, so a due restart after a trap resets the MCU (watchdog) instead.
 *
 * The image is the small profile's module (4 KiB of linear memory, the
 * memory limit here) and lives in flash (PROGMEM). wasm3 0.5.0 reads the
 * module through ordinary data-space pointers (parse and lazy compile),
 * which on AVR address SRAM, not flash, and needs ~100 KiB of heap for its
 * code pages: see board/avr/README.md — this build links and is measured,
 * but does not run on 16 KiB of SRAM. */
#include "atmqtt_host.h"
#include "hal.h"

#include <stdint.h>
#include <string.h>
#include <avr/io.h>
#include <avr/interrupt.h>
#include <avr/pgmspace.h>
#include <avr/wdt.h>

#ifndef F_CPU
#define F_CPU 16000000UL
#endif
#ifndef BOARD_STACK_BYTES
#define BOARD_STACK_BYTES 2048u
#endif
#ifndef BOARD_MEMORY_LIMIT
#define BOARD_MEMORY_LIMIT 4096u /* the small profile's budget (asconfig.json target small) */
#endif

#ifndef ATMQTT_CFG_BROKER
#define ATMQTT_CFG_BROKER "mqtt://test.mosquitto.org:1883"
#endif
#ifndef ATMQTT_CFG_LINK
#define ATMQTT_CFG_LINK "sim800"
#endif
#ifndef ATMQTT_CFG_APN
#define ATMQTT_CFG_APN ""
#endif

/* configuration in flash */
static const char cfg_broker[] PROGMEM = ATMQTT_CFG_BROKER;
static const char cfg_link[] PROGMEM = ATMQTT_CFG_LINK;
static const char cfg_baud[] PROGMEM = "115200";
static const char cfg_apn[] PROGMEM = ATMQTT_CFG_APN;
static PGM_P const config[19] PROGMEM = {
    [0] = cfg_broker, [10] = cfg_link, [13] = cfg_baud, [14] = cfg_apn,
};

/* the image, generated into build/avr/ by board/avr/build.sh (PROGMEM) */
extern const uint8_t atmqtt_image[] PROGMEM;
extern const uint32_t atmqtt_image_len;

/* ---- time: Timer0 CTC at 1 kHz ---- */
static volatile uint32_t ms_count;
ISR(TIMER0_COMPA_vect) { ms_count++; }

uint32_t hal_millis(void)
{
    uint32_t v;
    uint8_t s = SREG;
    cli();
    v = ms_count;
    SREG = s;
    return v;
}

/* ---- USART1: modem ---- */
#define RX_RING 256u
static volatile uint8_t rx_ring[RX_RING];
static volatile uint8_t rx_head, rx_tail; /* 256-entry ring: uint8_t wraps */

ISR(USART1_RX_vect)
{
    uint8_t b = UDR1;
    uint8_t next = (uint8_t)(rx_head + 1u);
    if (next != rx_tail) { rx_ring[rx_head] = b; rx_head = next; }
}

int32_t hal_uart_write(const uint8_t *p, int32_t len)
{
    int32_t n = 0;
    while (n < len && (UCSR1A & _BV(UDRE1))) UDR1 = p[n++]; /* one byte per free data register */
    return n;
}

int32_t hal_uart_read(uint8_t *p, int32_t max)
{
    int32_t n = 0;
    while (n < max && rx_tail != rx_head) { p[n++] = rx_ring[rx_tail]; rx_tail = (uint8_t)(rx_tail + 1u); }
    return n;
}

void hal_uart_set_baud(int32_t baud)
{
    uint16_t ubrr;
    if (baud <= 0) return;
    ubrr = (uint16_t)((F_CPU / 8u + (uint32_t)baud / 2u) / (uint32_t)baud - 1u); /* U2X */
    UCSR1B = 0;
    UCSR1A = _BV(U2X1);
    UBRR1 = ubrr;
    UCSR1C = _BV(UCSZ11) | _BV(UCSZ10); /* 8N1 */
    UCSR1B = _BV(RXEN1) | _BV(TXEN1) | _BV(RXCIE1);
}

/* ---- GPIO: ABI pin 4 -> PD4 (PWRKEY), 5 -> PD5 (RESET) ---- */
void hal_gpio_write(int32_t pin, int32_t level)
{
    uint8_t bit;
    if (pin != 4 && pin != 5) return;
    bit = (uint8_t)_BV(pin);
    DDRD |= bit;
    if (level) PORTD |= bit; else PORTD &= (uint8_t)~bit;
}

/* ---- sockets: none ---- */
int32_t hal_sock_open(const char *host, int32_t host_len, int32_t port, int32_t flags)
{ (void)host; (void)host_len; (void)port; (void)flags; return -20; }
int32_t hal_sock_write(int32_t h, const uint8_t *p, int32_t len) { (void)h; (void)p; (void)len; return -12; }
int32_t hal_sock_read(int32_t h, uint8_t *p, int32_t max) { (void)h; (void)p; (void)max; return -12; }
int32_t hal_sock_state(int32_t h) { (void)h; return -12; }
void hal_sock_close(int32_t h) { (void)h; }

/* ---- random: xorshift32 seeded from ADC noise on a floating input ---- */
static uint32_t rng;

static void rng_seed(void)
{
    uint8_t i;
    ADMUX = _BV(REFS0) | 7;                           /* AVcc, ADC7 (leave PA7 open) */
    ADCSRA = _BV(ADEN) | _BV(ADPS2) | _BV(ADPS1) | _BV(ADPS0);
    for (i = 0; i < 32; i++) {
        ADCSRA |= _BV(ADSC);
        while (ADCSRA & _BV(ADSC)) {}
        rng = (rng << 1 | (rng >> 31)) ^ ADCL ^ ((uint32_t)ADCH << 8) ^ TCNT0;
    }
    ADCSRA = 0;
    if (!rng) rng = 0x2545F491u;
}

void hal_random_fill(uint8_t *p, int32_t len)
{
    int32_t i;
    for (i = 0; i < len; i++) {
        rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5;
        p[i] = (uint8_t)rng;
    }
}

/* ---- log on USART0 ---- */
static void log_byte(uint8_t b)
{
    while (!(UCSR0A & _BV(UDRE0))) {}
    UDR0 = b;
}

void hal_log(int32_t level, const char *text, int32_t len)
{
    int32_t i;
    log_byte((uint8_t)(level == 1 ? 'E' : level == 2 ? 'W' : level == 3 ? 'I' : 'D'));
    log_byte(' ');
    for (i = 0; i < len; i++) log_byte((uint8_t)text[i]);
    log_byte('\r');
    log_byte('\n');
}

int32_t hal_config_read(int32_t key, uint8_t *p, int32_t max)
{
    PGM_P s;
    size_t n;
    if (key < 0 || key >= 19) return -1;
    s = (PGM_P)pgm_read_word(&config[key]);
    if (!s || !pgm_read_byte(s)) return -1;
    n = strlen_P(s);
    memcpy_P(p, s, n < (size_t)max ? n : (size_t)max);
    return (int32_t)n;
}

__attribute__((weak)) void board_on_event(int32_t kind, int32_t a, int32_t b, const uint8_t *p, int32_t len)
{ (void)kind; (void)a; (void)b; (void)p; (void)len; }
__attribute__((weak)) void board_on_message(const uint8_t *t, int32_t tl, const uint8_t *p, int32_t pl, int32_t flags)
{ (void)t; (void)tl; (void)p; (void)pl; (void)flags; }

void hal_event(int32_t kind, int32_t a, int32_t b, const uint8_t *p, int32_t len) { board_on_event(kind, a, b, p, len); }
void hal_message(const uint8_t *topic, int32_t topic_len, const uint8_t *payload, int32_t payload_len, int32_t flags)
{ board_on_message(topic, topic_len, payload, payload_len, flags); }

void hal_sleep(uint32_t ms)
{
    uint32_t t0 = hal_millis();
    while ((uint32_t)(hal_millis() - t0) < ms && rx_head == rx_tail) {
        wdt_reset();
    }
}

/* ---- entry ---- */
static atmqtt_core core;

int main(void)
{
    uint32_t ms;
    MCUSR = 0;
    wdt_disable();
    /* Timer0: CTC, /64, 250 counts = 1 ms at 16 MHz */
    TCCR0A = _BV(WGM01);
    TCCR0B = _BV(CS01) | _BV(CS00);
    OCR0A = (uint8_t)(F_CPU / 64u / 1000u - 1u);
    TIMSK0 = _BV(OCIE0A);
    /* USART0 log, 115200 with U2X */
    UCSR0A = _BV(U2X0);
    UBRR0 = (uint16_t)((F_CPU / 8u + 115200u / 2u) / 115200u - 1u);
    UCSR0C = _BV(UCSZ01) | _BV(UCSZ00);
    UCSR0B = _BV(TXEN0);
    hal_uart_set_baud(115200);
    rng_seed();
    sei();
    wdt_enable(WDTO_8S);

    core.stack_bytes = BOARD_STACK_BYTES;
    core.memory_limit = BOARD_MEMORY_LIMIT;
    if (atmqtt_start(&core, atmqtt_image, atmqtt_image_len) == ATMQTT_E_IMAGE) {
        for (;;) wdt_reset(); /* corrupt image: stay down, logged once */
    }
    for (;;) {
        if (!core.running && core.traps && (int32_t)(hal_millis() - core.restart_at) >= 0) {
            hal_log(2, "fixed heap: resetting to restart the module", 43);
            wdt_enable(WDTO_15MS);
            for (;;) {}
        }
        ms = atmqtt_step(&core);
        hal_sleep(ms);
        wdt_reset();
    }
}
