// TLS for the socket link on the ESP32: one WiFiClientSecure (mbedTLS) per
// TLS handle. It checks the chain against the CA of the slot the firmware
// asks for (setCACert) and the host name (mbedtls_ssl_set_hostname, also
// the SNI); setInsecure() only with flags bit 1, with a warning.
// WiFiClientSecure::connect blocks for the TCP connect and the handshake,
// and HAL calls must not: it runs in a short-lived task, and the HAL only
// polls its outcome. NOT compiled in this repository: see README.md.
#include <Arduino.h>
#include <WiFiClientSecure.h>
#include <stdarg.h>
#include <string.h>

extern "C" {
#include "hal.h"
#include "atmqtt_abi.h" /* error codes, generated */
#include "tls_esp32.h"
}

// One TLS session at a time: each costs mbedTLS some 40 KB of heap.
#define NTLS 1
#define HANDSHAKE_TIMEOUT_S 20 // inside the firmware's 30 s link-open limit

struct TlsSock {
    WiFiClientSecure *client;
    volatile int32_t state; // 0 connecting, 1 open, 2 closed, -11 no TCP, -29 TLS refused
    bool used;
    bool abandoned;         // closed while connecting: the task frees it
    char host[128];
    int32_t port;
};

static TlsSock socks[NTLS];
static portMUX_TYPE mux = portMUX_INITIALIZER_UNLOCKED;

static void tls_log(int32_t level, const char *fmt, ...)
{
    char line[200];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    hal_log(level, line, n < 0 ? 0 : (n >= (int)sizeof line ? (int)sizeof line - 1 : n));
}

static void release(TlsSock *t)
{
    t->client->stop();
    delete t->client;
    t->client = nullptr;
    t->used = false;
}

static void connect_task(void *arg)
{
    TlsSock *t = (TlsSock *)arg;
    int32_t result = 1;
    if (!t->client->connect(t->host, t->port)) {
        char why[100] = "";
        int err = t->client->lastError(why, sizeof why);
        // -1 is ssl_client's socket failure (DNS, TCP); mbedTLS codes are the handshake
        result = err == -1 ? ATMQTT_ERR_LINK_OPEN_FAILED : ATMQTT_ERR_TLS_FAILED;
        tls_log(1, "tls %s:%d: %s: %d %s", t->host, (int)t->port,
             result == ATMQTT_ERR_TLS_FAILED ? "TLS handshake failed" : "connect failed", err, why);
    }
    portENTER_CRITICAL(&mux);
    t->state = result;
    bool gone = t->abandoned;
    portEXIT_CRITICAL(&mux);
    if (gone) release(t);
    vTaskDelete(NULL);
}

static TlsSock *get(int32_t h)
{
    int32_t i = h - TLS_HANDLE_BASE;
    return i >= 0 && i < NTLS && socks[i].used ? &socks[i] : nullptr;
}

extern "C" int32_t board_tls_open(const char *host, int32_t port, int32_t flags)
{
    int i;
    for (i = 0; i < NTLS && socks[i].used; i++) {}
    if (i == NTLS) return ATMQTT_ERR_NO_SLOT;
    TlsSock *t = &socks[i];
    int slot = (flags >> 8) & 0xff;
    bool insecure = (flags & 2) != 0;
    const char *ca = slot < atmqtt_ca_count ? atmqtt_ca_table[slot] : nullptr;
    snprintf(t->host, sizeof t->host, "%s", host);
    t->port = port;
    t->used = true;
    t->abandoned = false;
    t->client = new WiFiClientSecure();
    if (insecure) {
        t->client->setInsecure();
        tls_log(2, "tls %s:%d: WARNING insecure: certificate and host name NOT verified", host, (int)port);
    } else if (ca) {
        t->client->setCACert(ca);
    } else {
        // no CA in that slot: refuse, as a failed certificate check
        tls_log(1, "tls %s:%d: TLS refused: CA slot %d has no certificate (board/esp32/ca_table.c)", host, (int)port, slot);
        t->state = ATMQTT_ERR_TLS_FAILED;
        return TLS_HANDLE_BASE + i;
    }
    t->client->setHandshakeTimeout(HANDSHAKE_TIMEOUT_S);
    t->state = 0;
    // mbedTLS's handshake needs a few KB of stack; 8 KB as Arduino's loop task has
    if (xTaskCreate(connect_task, "atmqtt-tls", 8192, t, 5, nullptr) != pdPASS) {
        release(t);
        return ATMQTT_ERR_LINK_OPEN_FAILED;
    }
    return TLS_HANDLE_BASE + i;
}

extern "C" int32_t board_tls_state(int32_t h)
{
    TlsSock *t = get(h);
    return t ? t->state : ATMQTT_ERR_LINK_CLOSED;
}

extern "C" int32_t board_tls_write(int32_t h, const uint8_t *p, int32_t len)
{
    TlsSock *t = get(h);
    if (!t || t->state < 0 || t->state == 2) return ATMQTT_ERR_LINK_CLOSED;
    if (t->state == 0) return 0; // nothing before the handshake and the check
    size_t n = t->client->write(p, (size_t)len);
    if (n > 0) return (int32_t)n;
    if (t->client->connected()) return 0;
    t->state = 2;
    return ATMQTT_ERR_LINK_CLOSED;
}

extern "C" int32_t board_tls_read(int32_t h, uint8_t *p, int32_t max)
{
    TlsSock *t = get(h);
    if (!t) return ATMQTT_ERR_LINK_CLOSED;
    if (t->state == 0) return 0;
    if (t->state < 0 || t->state == 2) return ATMQTT_ERR_LINK_CLOSED;
    int a = t->client->available();
    if (a <= 0) {
        if (t->client->connected()) return 0;
        t->state = 2;
        return ATMQTT_ERR_LINK_CLOSED;
    }
    int n = t->client->read(p, (size_t)(a < max ? a : max));
    return n < 0 ? 0 : n;
}

extern "C" void board_tls_close(int32_t h)
{
    TlsSock *t = get(h);
    if (!t) return;
    portENTER_CRITICAL(&mux);
    bool connecting = t->state == 0;
    if (connecting) t->abandoned = true;
    portEXIT_CRITICAL(&mux);
    if (!connecting) release(t);
}
