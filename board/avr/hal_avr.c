/* ATmega1284P HAL for atmqtt (avr-libc, F_CPU 16 MHz), with the module
 * translated ahead of time by wasm2c (board/wasm2c/atmqtt_aot.c).
 * - modem on USART1 (PD2 RXD1 / PD3 TXD1): interrupt-driven RX and TX rings;
 * - console on USART0 (board/CONSOLE.md, board/core/console.c), 115200 8N1,
 *   interrupt-driven RX and TX rings;
 * - PWRKEY = PD4, RESET = PD5 (ABI pins 4 and 5);
 * - millis from Timer0 (CTC, 1 ms); idle sleep between loop() steps;
 * - no host sockets: sock_open returns -20, so only AT-modem links work;
 * - the stack is painted at reset; `stats` reports its high-water.
 * A trap restarts the module in place (memory and globals re-made from
 * flash, see atmqtt_aot.c); the watchdog (8 s) resets the chip if the main
 * loop ever stops. */
#include "atmqtt_host.h"
#include "console.h"
#include "hal.h"
#include "atmqtt_abi.h"
#include "io_table.h"

#include <stdint.h>
#include <string.h>
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>
#include <avr/wdt.h>

#ifndef F_CPU
#define F_CPU 16000000UL
#endif
#define CONSOLE_BAUD 115200UL
#define MODEM_RX_RING 512u  /* 44 ms of 115200 baud: a CIPRXGET answer while loop() runs */
/* hal_sleep's batching of modem bytes (a loop() step costs ~2,800 cycles
 * however few bytes it reads, docs/benchmarks.md 5c): wake at a line end or
 * a '>' prompt (not an empty line), after RX_BATCH_BYTES, or RX_BATCH_MS after the first unread
 * byte (counted reads, +IPD,n: and CIPRXGET data, need not end a line).
 * Worst case in the ring: 128 + the bytes of one step (34,000 cycles,
 * ~25 bytes at 115200) or 3 ms (35 bytes): far under 512. */
#define RX_BATCH_BYTES 128u
#define RX_BATCH_MS    3u
#define MODEM_TX_RING 512u  /* a whole CIPSEND payload: loop() need not spin while the UART drains */
#define CON_RX_RING   512u  /* a burst of pub lines while one loop() step runs (up to ~20 ms) */
#define CON_TX_RING   256u  /* debug lines of one loop() step go out while the next runs */
#define STACK_PAINT   0xC5u

/* ---- rings: head written by the producer, tail by the consumer ---- */
static volatile uint8_t m_rx[MODEM_RX_RING], m_tx[MODEM_TX_RING], c_rx[CON_RX_RING], c_tx[CON_TX_RING];
static volatile uint16_t m_rx_head, m_rx_tail;
static volatile uint8_t c_tx_head, c_tx_tail; /* 256-entry ring: 8-bit indices */
static volatile uint16_t m_tx_head, m_tx_tail;
static volatile uint16_t c_rx_head, c_rx_tail;
static volatile uint16_t m_rx_lost, c_rx_lost;
static volatile uint8_t m_tx_sent; /* a byte went out since TXC1 was last cleared */
static volatile uint16_t m_rx_seen; /* m_rx_head when the module last drained the ring or was last woken */
static volatile uint8_t m_rx_first; /* ms_count's low byte when the first byte past m_rx_seen came */
static volatile uint8_t m_rx_mark;  /* a line end or prompt came past m_rx_seen */
static uint8_t m_rx_text;           /* RX ISR only: the current line has more than CR */
static uint8_t m_rx_more;           /* the module left bytes unread: wake at once */

/* 16-bit ring indices shared with an ISR: read and written with
 * interrupts off, or a torn half could be seen */
static uint16_t get16(volatile uint16_t *p)
{
    uint16_t v;
    uint8_t s = SREG;
    cli();
    v = *p;
    SREG = s;
    return v;
}

static void set16(volatile uint16_t *p, uint16_t v)
{
    uint8_t s = SREG;
    cli();
    *p = v;
    SREG = s;
}

/* ---- CPU cycles: Timer1 free-running at clk/1, overflows counted ---- */
static volatile uint16_t t1_high;
ISR(TIMER1_OVF_vect) { t1_high++; }

static uint32_t cycles(void)
{
    uint16_t hi, lo;
    uint8_t s = SREG;
    cli();
    lo = TCNT1;
    hi = t1_high;
    if ((TIFR1 & _BV(TOV1)) && lo < 0x8000u) hi++; /* wrapped, ISR not run yet */
    SREG = s;
    return (uint32_t)hi << 16 | lo;
}

/* ---- time: Timer0 CTC at 1 kHz ---- */
static volatile uint32_t ms_count;
static volatile uint8_t ms_low; /* ms_count's low byte, for the RX ISR */
ISR(TIMER0_COMPA_vect) { ms_count++; ms_low++; }

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
ISR(USART1_RX_vect)
{
    uint8_t b = UDR1;
    uint16_t h = m_rx_head;
    uint16_t next = (uint16_t)((h + 1u) % MODEM_RX_RING);
    if (next != m_rx_tail) {
        m_rx[h] = b;
        m_rx_head = next;
        if (h == m_rx_seen) m_rx_first = ms_low;
        if (b == '\n') { if (m_rx_text) m_rx_mark = 1; m_rx_text = 0; } /* "\r\n" before a reply: no wake */
        else if (b == '>') m_rx_mark = 1;
        else if (b != '\r') m_rx_text = 1;
    } else m_rx_lost++;
}

ISR(USART1_UDRE_vect)
{
    if (m_tx_tail == m_tx_head) { UCSR1B &= (uint8_t)~_BV(UDRIE1); return; }
    UCSR1A = _BV(U2X1) | _BV(TXC1); /* clear TXC before each byte: set_baud waits on it */
    UDR1 = m_tx[m_tx_tail];
    m_tx_sent = 1;
    m_tx_tail = (uint16_t)((m_tx_tail + 1u) % MODEM_TX_RING);
}

int32_t hal_uart_write(const uint8_t *p, int32_t len)
{
    int32_t n = 0;
    uint16_t h = m_tx_head, t = get16(&m_tx_tail);
    while (n < len) {
        uint16_t next = (uint16_t)((h + 1u) % MODEM_TX_RING);
        if (next == t) break; /* full: the firmware retries the rest */
        m_tx[h] = p[n++];
        h = next;
    }
    if (n) {
        set16(&m_tx_head, h);
        UCSR1B |= _BV(UDRIE1);
    }
    return n;
}

int32_t hal_uart_read(uint8_t *p, int32_t max)
{
    int32_t n = 0;
    uint16_t t = m_rx_tail, h = get16(&m_rx_head);
    while (n < max && t != h) { p[n++] = m_rx[t]; t = (uint16_t)((t + 1u) % MODEM_RX_RING); }
    {
        uint8_t s = SREG;
        cli();
        m_rx_tail = t;
        m_rx_more = m_rx_head != t; /* not drained: the next sleep returns at once */
        m_rx_seen = m_rx_head;
        m_rx_mark = 0;
        SREG = s;
    }
    return n;
}

/* Datasheet (ATmega164A/324A/644A/1284P, USART initialization): no
 * transmission may be going on while the rate changes; TXC1 says the last
 * byte has left. The transmitter and receiver stay enabled throughout:
 * clearing UCSR1B (as this HAL once did) is not needed, and under simavr
 * leaves UDRE1 clear for ever. Waits at most 200 ms for the TX ring. */
void hal_uart_set_baud(int32_t baud)
{
    uint16_t ubrr;
    uint32_t t0 = hal_millis();
    if (baud <= 0) return;
    ubrr = (uint16_t)((F_CPU / 8u + (uint32_t)baud / 2u) / (uint32_t)baud - 1u); /* U2X */
    if (UCSR1B & _BV(TXEN1)) {
        while ((get16(&m_tx_tail) != m_tx_head || (m_tx_sent && !(UCSR1A & _BV(TXC1)))) &&
               (uint32_t)(hal_millis() - t0) < 200u) {}
    }
    m_tx_sent = 0;
    {
        uint8_t s = SREG;
        cli();
        UBRR1 = ubrr;
        UCSR1A = _BV(U2X1);
        UCSR1C = _BV(UCSZ11) | _BV(UCSZ10); /* 8N1 */
        UCSR1B = (uint8_t)(_BV(RXEN1) | _BV(TXEN1) | _BV(RXCIE1) | (m_tx_tail != m_tx_head ? _BV(UDRIE1) : 0));
        SREG = s;
    }
}

/* ---- USART0: console ---- */
ISR(USART0_RX_vect)
{
    uint8_t b = UDR0;
    uint16_t next = (uint16_t)((c_rx_head + 1u) % CON_RX_RING);
    if (next != c_rx_tail) { c_rx[c_rx_head] = b; c_rx_head = next; }
    else c_rx_lost++;
}

ISR(USART0_UDRE_vect)
{
    if (c_tx_tail == c_tx_head) { UCSR0B &= (uint8_t)~_BV(UDRIE0); return; }
    UDR0 = c_tx[c_tx_tail];
    c_tx_tail = (uint8_t)((c_tx_tail + 1u) % CON_TX_RING);
}

int32_t hal_console_read(uint8_t *p, int32_t max)
{
    int32_t n = 0;
    uint16_t t = c_rx_tail, h = get16(&c_rx_head);
    while (n < max && t != h) { p[n++] = c_rx[t]; t = (uint16_t)((t + 1u) % CON_RX_RING); }
    set16(&c_rx_tail, t);
    return n;
}

/* waits for room (the UDRE interrupt drains the ring), never drops a byte */
int32_t hal_console_write(const uint8_t *p, int32_t len)
{
    int32_t n;
    for (n = 0; n < len; n++) {
        uint8_t next = (uint8_t)((c_tx_head + 1u) % CON_TX_RING);
        while (next == c_tx_tail) { UCSR0B |= _BV(UDRIE0); wdt_reset(); }
        c_tx[c_tx_head] = p[n];
        c_tx_head = next;
    }
    UCSR0B |= _BV(UDRIE0);
    return len;
}

/* ---- GPIO: ABI pin 4 -> PD4 (PWRKEY), 5 -> PD5 (RESET) ---- */
void hal_gpio_write(int32_t pin, int32_t level)
{
    uint8_t bit;
    if (pin != 4 && pin != 5) return;
    bit = (uint8_t)_BV(pin);
    if (level) PORTD |= bit; else PORTD &= (uint8_t)~bit;
    DDRD |= bit;
}

/* ---- board I/O: ABI pin = port * 8 + bit, ports A B C D (0-7 PA0-7,
 * 8-15 PB0-7, 16-23 PC0-7, 24-31 PD0-7); ADC channel c = PA(c). PD0-PD3
 * carry the two USARTs and PD4/PD5 the modem's PWRKEY/RESET: refused.
 * The port registers are driven for real (simavr sees them); each change
 * of an output is also a console P line. Inputs and ADC channels given by
 * the console (`set pin|adc`, io_table.c) read as given, others from the
 * chip. I2C: only the console's simulated device (`set i2c`), no TWI. ---- */
static volatile uint8_t *const PORTS[4] = { &PORTA, &PORTB, &PORTC, &PORTD };
static volatile uint8_t *const DDRS[4] = { &DDRA, &DDRB, &DDRC, &DDRD };
static volatile uint8_t *const PINS[4] = { &PINA, &PINB, &PINC, &PIND };

static int32_t avr_pin(int32_t pin)
{
    if (pin < 0 || pin > 31) return ATMQTT_ERR_NO_SUCH_PIN;
    return pin >= 24 && pin <= 29 ? ATMQTT_ERR_PIN_RESERVED : 0;
}

int32_t hal_pin_mode(int32_t pin, int32_t mode)
{
    int32_t r = avr_pin(pin);
    uint8_t bit;
    if (r) return r;
    io_table_on_pin = console_pin;
    if ((r = io_table_pin_mode(pin, mode)) != 0) return r;
    bit = (uint8_t)_BV(pin & 7);
    if (mode == 1) *DDRS[pin >> 3] |= bit;
    else {
        *DDRS[pin >> 3] &= (uint8_t)~bit;
        if (mode == 2) *PORTS[pin >> 3] |= bit; else *PORTS[pin >> 3] &= (uint8_t)~bit;
    }
    return 0;
}

int32_t hal_pin_read(int32_t pin)
{
    int32_t r = avr_pin(pin);
    if (r) return r;
    if (!(*DDRS[pin >> 3] & _BV(pin & 7)) && io_table_input_given(pin)) return io_table_pin_read(pin);
    return (*PINS[pin >> 3] >> (pin & 7)) & 1;
}

int32_t hal_pin_write(int32_t pin, int32_t level)
{
    int32_t r = avr_pin(pin);
    uint8_t bit;
    if (r) return r;
    io_table_on_pin = console_pin;
    if ((r = io_table_pin_write(pin, level)) != 0) return r;
    bit = (uint8_t)_BV(pin & 7);
    if (level) *PORTS[pin >> 3] |= bit; else *PORTS[pin >> 3] &= (uint8_t)~bit;
    return 0;
}

int32_t hal_adc_read(int32_t ch)
{
    uint16_t v;
    if (ch < 0 || ch > 7) return ATMQTT_ERR_NO_SUCH_PIN;
    if (io_table_adc_given(ch)) return io_table_adc_read(ch);
    /* one conversion, AVcc reference, clock / 128: about 0.1 ms at 16 MHz */
    ADMUX = (uint8_t)(_BV(REFS0) | ch);
    ADCSRA = _BV(ADEN) | _BV(ADSC) | _BV(ADPS2) | _BV(ADPS1) | _BV(ADPS0);
    while (ADCSRA & _BV(ADSC)) {}
    v = ADCL;
    v |= (uint16_t)ADCH << 8;
    ADCSRA = 0;
    return v;
}

int32_t hal_i2c_xfer(int32_t addr, const uint8_t *w, int32_t wlen, uint8_t *r, int32_t rlen)
{
    if (!io_table_i2c_given()) return ATMQTT_ERR_UNSUPPORTED;
    return io_table_i2c_xfer(addr, w, wlen, r, rlen);
}

/* ---- sockets: none (board/core/hal_nosock.c) ---- */

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

/* ---- the module's log, events, messages, configuration: the console ---- */
void hal_log(int32_t level, const char *text, int32_t len) { console_log(level, text, len); }
int32_t hal_config_read(int32_t key, uint8_t *p, int32_t max) { return console_config_read(key, p, max); }
void hal_event(int32_t kind, int32_t a, int32_t b, const uint8_t *p, int32_t len) { console_event(kind, a, b, p, len); }
void hal_message(const uint8_t *topic, int32_t topic_len, const uint8_t *payload, int32_t payload_len, int32_t flags)
{ console_message(topic, topic_len, payload, payload_len, flags); }

/* ---- sleep: idle mode, woken by the 1 ms tick and the UARTs ----
 * Returns early when a console byte waits, when the module left modem bytes
 * unread, or when modem bytes came after its last read (also during its last
 * loop() step) and make a batch: a line end or '>' among them, RX_BATCH_BYTES
 * of them, or RX_BATCH_MS since the first. Not for bytes it was already
 * woken for: a module that is down must not turn this into a busy loop. */
void hal_sleep(uint32_t ms)
{
    uint32_t t0 = hal_millis();
    set_sleep_mode(SLEEP_MODE_IDLE);
    for (;;) {
        wdt_reset();
        cli();
        uint16_t fresh = (uint16_t)((m_rx_head - m_rx_seen) % MODEM_RX_RING);
        if (m_rx_more || c_rx_head != c_rx_tail || (uint32_t)(ms_count - t0) >= ms ||
            (fresh && (m_rx_mark || fresh >= RX_BATCH_BYTES || (uint8_t)(ms_low - m_rx_first) >= RX_BATCH_MS))) {
            m_rx_seen = m_rx_head;
            m_rx_mark = 0;
            m_rx_more = 0;
            sei();
            return;
        }
        sleep_enable();
        sei();       /* the instruction after sei runs first: no wake-up lost */
        sleep_cpu();
        sleep_disable();
    }
}

/* ---- stack: painted before main, high-water on `stats` ---- */
extern uint8_t __heap_start; /* end of .data + .bss (no malloc here) */

__attribute__((naked, used, section(".init3"))) static void paint_stack(void)
{
    uint8_t *p = &__heap_start;
    while (p < (uint8_t *)SP - 16) *p++ = STACK_PAINT; /* SP = RAMEND here; the margin is this frame */
}

static uint32_t steps, step_max;
static uint64_t step_total; /* cycles inside atmqtt_step (interrupts included) */

static int stats(char *out, int max)
{
    const uint8_t *p = &__heap_start;
    uint16_t statics = (uint16_t)((uintptr_t)&__heap_start - RAMSTART);
    uint16_t used;
    int k = 0;
    while (p <= (const uint8_t *)RAMEND && *p == STACK_PAINT) p++;
    used = (uint16_t)(RAMEND + 1u - (uintptr_t)p);
    /* each pair is at most 1 + 15 + 1 + 11 bytes: stop before max */
#define KV(key, v) do { if (k + (int)sizeof(key) + 13 > max) break; \
                        out[k++] = ' '; memcpy(&out[k], key "=", sizeof(key)); k += (int)sizeof(key); \
                        k += console_itoa((int32_t)(v), &out[k]); } while (0)
    KV("ram_static", statics);
    KV("stack_max", used);
    KV("ram_free", (int32_t)(RAMEND + 1u - RAMSTART) - statics - used);
    KV("steps", steps);
    KV("step_us", (uint32_t)(step_total / (F_CPU / 1000000u)));
    KV("step_max", step_max);
    KV("modem_rx_lost", get16(&m_rx_lost));
    KV("console_rx_lost", get16(&c_rx_lost));
    KV("millis", hal_millis());
#undef KV
    return k;
}

/* ---- entry ---- */
static atmqtt_core core;

int main(void)
{
    MCUSR = 0;
    wdt_disable();
    /* Timer0: CTC, /64, 250 counts = 1 ms at 16 MHz */
    TCCR0A = _BV(WGM01);
    TCCR0B = _BV(CS01) | _BV(CS00);
    OCR0A = (uint8_t)(F_CPU / 64u / 1000u - 1u);
    TIMSK0 = _BV(OCIE0A);
    /* USART0 console, 115200 with U2X */
    UCSR0A = _BV(U2X0);
    UBRR0 = (uint16_t)((F_CPU / 8u + CONSOLE_BAUD / 2u) / CONSOLE_BAUD - 1u);
    UCSR0C = _BV(UCSZ01) | _BV(UCSZ00);
    UCSR0B = _BV(RXEN0) | _BV(TXEN0) | _BV(RXCIE0);
    /* modem pins idle high (PWRKEY released, RESET inactive) */
    PORTD |= _BV(PD4) | _BV(PD5);
    DDRD |= _BV(PD4) | _BV(PD5);
    hal_uart_set_baud(115200);
    TCCR1A = 0;
    TCCR1B = _BV(CS10); /* Timer1: clk/1, for cycle counts */
    TIMSK1 = _BV(TOIE1);
    rng_seed();
    sei();
    wdt_enable(WDTO_8S);

    console_stats_hook = stats;
    console_init(&core, "atmega1284p", "wasm2c", NULL, 0);
    for (;;) {
        uint32_t ms;
        console_poll();
        {
            uint32_t c0 = cycles(), dc;
            ms = atmqtt_step(&core);
            dc = cycles() - c0;
            steps++;
            step_total += dc;
            if (dc > step_max) step_max = dc;
        }
        if (ms) hal_sleep(ms);
        wdt_reset();
    }
}
