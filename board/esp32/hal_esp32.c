/* ESP32 HAL for the atmqtt host core (Arduino-ESP32 2.x / ESP-IDF 4.4 APIs,
 * all C): lwIP BSD sockets (non-blocking) for the `socket` link (TLS ones go
 * to tls_esp32.cpp, WiFiClientSecure), UART2 to an
 * AT modem (RX GPIO16, TX GPIO17), PWRKEY GPIO4 / RESET GPIO5 (ABI pins 4
 * and 5 map 1:1), esp_timer for millis, esp_fill_random (hardware RNG; truly
 * random once Wi-Fi or BT is up), logs through ESP_LOG. The core runs in
 * atmqtt_board_task, a FreeRTOS task created with a 32 KB stack by main.cpp.
 * wasm3 uses the normal heap here (no d_m3FixedHeap), so the core's
 * in-place restart after a trap frees and reloads properly.
 * NOT compiled in this repository: see README.md. */
#include "atmqtt_host.h"
#include "hal.h"
#include "atmqtt_abi.h" /* config keys and error codes, generated */
#include "tls_esp32.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "driver/gpio.h"
#include "driver/uart.h"
#include "esp_log.h"
#if __has_include("esp_random.h")
#include "esp_random.h" /* ESP-IDF 5 */
#else
#include "esp_system.h" /* ESP-IDF 4.4 (Arduino-ESP32 2.x) */
#endif
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "lwip/netdb.h"
#include "lwip/sockets.h"

#define TAG "atmqtt"
#define MODEM_UART UART_NUM_2
#define MODEM_RX   16
#define MODEM_TX   17
#define NSOCK      2

#ifndef ATMQTT_CFG_BROKER
#define ATMQTT_CFG_BROKER "mqtt://test.mosquitto.org:1883"
#endif
#ifndef ATMQTT_CFG_LINK
#define ATMQTT_CFG_LINK "socket"
#endif
#ifndef ATMQTT_CFG_WIFI_SSID
#define ATMQTT_CFG_WIFI_SSID ""
#endif
#ifndef ATMQTT_CFG_WIFI_PASS
#define ATMQTT_CFG_WIFI_PASS ""
#endif
/* TLS (mqtts://, wss://): the CA slot in ca_table.c, and 1 to skip all checks */
#ifndef ATMQTT_CFG_CA
#define ATMQTT_CFG_CA "0"
#endif
#ifndef ATMQTT_CFG_INSECURE
#define ATMQTT_CFG_INSECURE "0"
#endif

#define CONFIG_KEYS ATMQTT_CONFIG_KEYS
static const char *const config[CONFIG_KEYS] = {
    [ATMQTT_KEY_URL] = ATMQTT_CFG_BROKER, [ATMQTT_KEY_LINK] = ATMQTT_CFG_LINK, [ATMQTT_KEY_BAUD] = "115200",
    [ATMQTT_KEY_SSID] = ATMQTT_CFG_WIFI_SSID, [ATMQTT_KEY_WIFI_PASSWORD] = ATMQTT_CFG_WIFI_PASS, /* for link esp-at */
    [ATMQTT_KEY_CA] = ATMQTT_CFG_CA, [ATMQTT_KEY_INSECURE] = ATMQTT_CFG_INSECURE,
};

const char *atmqtt_board_wifi_ssid(void) { return ATMQTT_CFG_WIFI_SSID; }
const char *atmqtt_board_wifi_pass(void) { return ATMQTT_CFG_WIFI_PASS; }

const uint8_t *board_image(uint32_t *len); /* image.c: the "atmqtt" partition */

uint32_t hal_millis(void) { return (uint32_t)(esp_timer_get_time() / 1000); }

/* ---- UART2: modem ---- */
static int uart_ready;

static void uart_init(int32_t baud)
{
    uart_config_t cfg = {
        .baud_rate = baud, .data_bits = UART_DATA_8_BITS, .parity = UART_PARITY_DISABLE,
        .stop_bits = UART_STOP_BITS_1, .flow_ctrl = UART_HW_FLOWCTRL_DISABLE,
    };
    uart_param_config(MODEM_UART, &cfg);
    uart_set_pin(MODEM_UART, MODEM_TX, MODEM_RX, UART_PIN_NO_CHANGE, UART_PIN_NO_CHANGE);
    uart_driver_install(MODEM_UART, 2048, 1024, 0, NULL, 0);
    uart_ready = 1;
}

int32_t hal_uart_write(const uint8_t *p, int32_t len)
{
    int n;
    if (!uart_ready) uart_init(115200);
    /* the driver's 1 KB TX ring: take what fits, never wait */
    n = uart_tx_chars(MODEM_UART, (const char *)p, (uint32_t)len);
    return n < 0 ? 0 : n;
}

int32_t hal_uart_read(uint8_t *p, int32_t max)
{
    int n;
    if (!uart_ready) uart_init(115200);
    n = uart_read_bytes(MODEM_UART, p, (uint32_t)max, 0);
    return n < 0 ? 0 : n;
}

void hal_uart_set_baud(int32_t baud)
{
    if (baud <= 0) return;
    if (!uart_ready) uart_init(baud); else uart_set_baudrate(MODEM_UART, (uint32_t)baud);
}

/* ---- GPIO ---- */
void hal_gpio_write(int32_t pin, int32_t level)
{
    if (pin != 4 && pin != 5) return;
    gpio_reset_pin((gpio_num_t)pin);
    gpio_set_direction((gpio_num_t)pin, GPIO_MODE_OUTPUT);
    gpio_set_level((gpio_num_t)pin, level ? 1 : 0);
}

/* ---- sockets: lwIP, non-blocking ---- */
static struct { int fd; int state; } socks[NSOCK]; /* fd stored +1, 0 = free */

static int sfd(int32_t h) { return (h >= 1 && h <= NSOCK && socks[h - 1].fd) ? socks[h - 1].fd - 1 : -1; }

int32_t hal_sock_open(const char *host, int32_t host_len, int32_t port, int32_t flags)
{
    char name[128], service[8];
    struct addrinfo hints, *res = NULL;
    int i, fd, one = 1;
    if (host_len <= 0 || host_len >= (int32_t)sizeof name || port <= 0 || port > 65535) return ATMQTT_ERR_LINK_OPEN_FAILED;
    memcpy(name, host, (size_t)host_len);
    name[host_len] = 0;
    if (flags & 1) return board_tls_open(name, port, flags);
    for (i = 0; i < NSOCK && socks[i].fd; i++) {}
    if (i == NSOCK) return ATMQTT_ERR_NO_SLOT;
    snprintf(service, sizeof service, "%d", (int)port);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    /* DNS blocks this task (not the others) for up to the resolver timeout */
    if (lwip_getaddrinfo(name, service, &hints, &res) != 0 || !res) return ATMQTT_ERR_LINK_OPEN_FAILED;
    fd = lwip_socket(res->ai_family, SOCK_STREAM, IPPROTO_TCP);
    if (fd < 0) { lwip_freeaddrinfo(res); return ATMQTT_ERR_LINK_OPEN_FAILED; }
    lwip_fcntl(fd, F_SETFL, lwip_fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    lwip_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (lwip_connect(fd, res->ai_addr, res->ai_addrlen) != 0 && errno != EINPROGRESS) {
        lwip_freeaddrinfo(res);
        lwip_close(fd);
        return ATMQTT_ERR_LINK_OPEN_FAILED;
    }
    lwip_freeaddrinfo(res);
    socks[i].fd = fd + 1;
    socks[i].state = 0;
    return i + 1;
}

int32_t hal_sock_state(int32_t h)
{
    int fd = sfd(h), err = 0;
    socklen_t len = sizeof err;
    fd_set w;
    struct timeval tv = { 0, 0 };
    if (h >= TLS_HANDLE_BASE) return board_tls_state(h);
    if (fd < 0) return ATMQTT_ERR_LINK_CLOSED;
    if (socks[h - 1].state != 0) return socks[h - 1].state;
    FD_ZERO(&w);
    FD_SET(fd, &w);
    if (lwip_select(fd + 1, NULL, &w, NULL, &tv) <= 0) return 0;
    lwip_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    socks[h - 1].state = err ? ATMQTT_ERR_LINK_OPEN_FAILED : 1;
    return socks[h - 1].state;
}

int32_t hal_sock_write(int32_t h, const uint8_t *p, int32_t len)
{
    int fd = sfd(h), n;
    if (h >= TLS_HANDLE_BASE) return board_tls_write(h, p, len);
    if (fd < 0) return ATMQTT_ERR_LINK_CLOSED;
    if (socks[h - 1].state != 1) return socks[h - 1].state < 0 || socks[h - 1].state == 2 ? ATMQTT_ERR_LINK_CLOSED : 0;
    n = lwip_send(fd, p, (size_t)len, MSG_DONTWAIT);
    if (n >= 0) return n;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    socks[h - 1].state = ATMQTT_ERR_LINK_CLOSED;
    return ATMQTT_ERR_LINK_CLOSED;
}

int32_t hal_sock_read(int32_t h, uint8_t *p, int32_t max)
{
    int fd = sfd(h), n;
    if (h >= TLS_HANDLE_BASE) return board_tls_read(h, p, max);
    if (fd < 0) return ATMQTT_ERR_LINK_CLOSED;
    if (socks[h - 1].state == 0) return 0;
    if (socks[h - 1].state < 0 || socks[h - 1].state == 2) return ATMQTT_ERR_LINK_CLOSED;
    n = lwip_recv(fd, p, (size_t)max, MSG_DONTWAIT);
    if (n > 0) return n;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    socks[h - 1].state = n == 0 ? 2 : ATMQTT_ERR_LINK_CLOSED;
    return ATMQTT_ERR_LINK_CLOSED;
}

void hal_sock_close(int32_t h)
{
    int fd = sfd(h);
    if (h >= TLS_HANDLE_BASE) { board_tls_close(h); return; }
    if (fd < 0) return;
    lwip_close(fd);
    socks[h - 1].fd = 0;
}

/* ---- misc ---- */
void hal_random_fill(uint8_t *p, int32_t len) { esp_fill_random(p, (size_t)len); }

void hal_log(int32_t level, const char *text, int32_t len)
{
    int n = (int)len;
    if (level <= 1) ESP_LOGE(TAG, "%.*s", n, text);
    else if (level == 2) ESP_LOGW(TAG, "%.*s", n, text);
    else if (level == 3) ESP_LOGI(TAG, "%.*s", n, text);
    else ESP_LOGD(TAG, "%.*s", n, text);
}

int32_t hal_config_read(int32_t key, uint8_t *p, int32_t max)
{
    size_t n;
    if (key < 0 || key >= CONFIG_KEYS || !config[key] || !config[key][0]) return -1;
    n = strlen(config[key]);
    memcpy(p, config[key], n < (size_t)max ? n : (size_t)max);
    return (int32_t)n;
}

__attribute__((weak)) void board_on_event(int32_t kind, int32_t a, int32_t b, const uint8_t *p, int32_t len)
{ ESP_LOGI(TAG, "event %d a=%d b=%d %.*s", (int)kind, (int)a, (int)b, (int)len, (const char *)p); }
__attribute__((weak)) void board_on_message(const uint8_t *t, int32_t tl, const uint8_t *p, int32_t pl, int32_t flags)
{ ESP_LOGI(TAG, "message %.*s (%d bytes, flags %d)", (int)tl, (const char *)t, (int)pl, (int)flags); }

void hal_event(int32_t kind, int32_t a, int32_t b, const uint8_t *p, int32_t len) { board_on_event(kind, a, b, p, len); }
void hal_message(const uint8_t *topic, int32_t topic_len, const uint8_t *payload, int32_t payload_len, int32_t flags)
{ board_on_message(topic, topic_len, payload, payload_len, flags); }

/* Sleep in 10 ms ticks, waking early when the modem UART has data. */
void hal_sleep(uint32_t ms)
{
    uint32_t t0 = hal_millis();
    size_t avail = 0;
    if (ms == 0) { taskYIELD(); return; }
    while ((uint32_t)(hal_millis() - t0) < ms) {
        if (uart_ready && uart_get_buffered_data_len(MODEM_UART, &avail) == ESP_OK && avail) return;
        vTaskDelay(pdMS_TO_TICKS(10) ? pdMS_TO_TICKS(10) : 1);
    }
}

/* ---- the task ---- */
static atmqtt_core core;

void atmqtt_board_task(void *arg)
{
    int r;
    uint32_t image_len = 0;
    const uint8_t *image = board_image(&image_len);
    (void)arg;
    core.stack_bytes = ATMQTT_DEFAULT_STACK;
    core.memory_limit = ATMQTT_DEFAULT_MEMORY_LIMIT;
    r = image ? atmqtt_start(&core, image, image_len) : ATMQTT_E_IMAGE;
    if (r == ATMQTT_E_IMAGE || r == ATMQTT_E_WASM3) {
        ESP_LOGE(TAG, "not starting (%d)", r);
        vTaskDelete(NULL);
        return;
    }
    atmqtt_run(&core); /* restarts after traps with backoff; never returns */
    vTaskDelete(NULL);
}
