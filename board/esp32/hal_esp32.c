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

#include "driver/adc.h"
#include "driver/gpio.h"
#include "driver/i2c.h"
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

/* ---- board I/O: ABI pin n = GPIOn. 4/5 (the modem's power pins) and
 * 16/17 (its UART) are refused, 6-11 (flash) and above 39 do not exist,
 * 34-39 are inputs only. ADC channel c = ADC1 channel c (GPIO36, 37, 38,
 * 39, 32, 33, 34, 35), 12 bits, 11 dB attenuation. I2C: port 0 on SDA
 * GPIO21 / SCL GPIO22 at 100 kHz, set up on first use; a transaction
 * waits at most 20 ms (i2c_master_write_read_device). ---- */
#define I2C_PORT I2C_NUM_0
#define I2C_SDA  21
#define I2C_SCL  22

static int32_t esp_pin(int32_t pin)
{
    if (pin < 0 || pin > 39 || (pin >= 6 && pin <= 11) || pin == 20 || (pin >= 28 && pin <= 31) || pin == 24) return ATMQTT_ERR_NO_SUCH_PIN;
    if (pin == 4 || pin == 5 || pin == MODEM_RX || pin == MODEM_TX) return ATMQTT_ERR_PIN_RESERVED;
    return 0;
}

int32_t hal_pin_mode(int32_t pin, int32_t mode)
{
    int32_t r = esp_pin(pin);
    if (r) return r;
    if (mode < 0 || mode > 2 || (mode == 1 && pin >= 34)) return ATMQTT_ERR_NO_SUCH_PIN;
    gpio_reset_pin((gpio_num_t)pin);
    gpio_set_direction((gpio_num_t)pin, mode == 1 ? GPIO_MODE_INPUT_OUTPUT : GPIO_MODE_INPUT);
    gpio_set_pull_mode((gpio_num_t)pin, mode == 2 ? GPIO_PULLUP_ONLY : GPIO_FLOATING);
    return 0;
}

int32_t hal_pin_read(int32_t pin)
{
    int32_t r = esp_pin(pin);
    return r ? r : gpio_get_level((gpio_num_t)pin);
}

int32_t hal_pin_write(int32_t pin, int32_t level)
{
    int32_t r = esp_pin(pin);
    if (r) return r;
    if (pin >= 34) return ATMQTT_ERR_NO_SUCH_PIN;
    return gpio_set_level((gpio_num_t)pin, level ? 1 : 0) == ESP_OK ? 0 : ATMQTT_ERR_BAD_ARGUMENT;
}

int32_t hal_adc_read(int32_t channel)
{
    static int width_set;
    if (channel < 0 || channel > 7) return ATMQTT_ERR_NO_SUCH_PIN;
    if (!width_set) { adc1_config_width(ADC_WIDTH_BIT_12); width_set = 1; }
    adc1_config_channel_atten((adc1_channel_t)channel, ADC_ATTEN_DB_11);
    return adc1_get_raw((adc1_channel_t)channel);
}

int32_t hal_i2c_xfer(int32_t addr, const uint8_t *w, int32_t wlen, uint8_t *r, int32_t rlen)
{
    static int ready;
    esp_err_t e;
    if (!ready) {
        i2c_config_t conf;
        memset(&conf, 0, sizeof conf);
        conf.mode = I2C_MODE_MASTER;
        conf.sda_io_num = I2C_SDA;
        conf.scl_io_num = I2C_SCL;
        conf.sda_pullup_en = GPIO_PULLUP_ENABLE;
        conf.scl_pullup_en = GPIO_PULLUP_ENABLE;
        conf.master.clk_speed = 100000;
        if (i2c_param_config(I2C_PORT, &conf) != ESP_OK || i2c_driver_install(I2C_PORT, I2C_MODE_MASTER, 0, 0, 0) != ESP_OK)
            return ATMQTT_ERR_UNSUPPORTED;
        ready = 1;
    }
    if (wlen > 0 && rlen > 0) e = i2c_master_write_read_device(I2C_PORT, (uint8_t)addr, w, (size_t)wlen, r, (size_t)rlen, pdMS_TO_TICKS(20));
    else if (wlen > 0) e = i2c_master_write_to_device(I2C_PORT, (uint8_t)addr, w, (size_t)wlen, pdMS_TO_TICKS(20));
    else e = i2c_master_read_from_device(I2C_PORT, (uint8_t)addr, r, (size_t)rlen, pdMS_TO_TICKS(20));
    return e == ESP_OK ? rlen : ATMQTT_ERR_I2C_NACK;
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
