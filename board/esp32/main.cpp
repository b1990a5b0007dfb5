// atmqtt on the ESP32 (Arduino): Wi-Fi for the socket link, then the host
// core in its own FreeRTOS task with a 32 KB stack (wasm3 recurses on the
// C stack; the Arduino loop task's 8 KB is not enough).
#include <Arduino.h>
#include <WiFi.h>

extern "C" void atmqtt_board_task(void *arg); // hal_esp32.c
extern "C" const char *atmqtt_board_wifi_ssid(void);
extern "C" const char *atmqtt_board_wifi_pass(void);

void setup()
{
    Serial.begin(115200);
    const char *ssid = atmqtt_board_wifi_ssid();
    if (ssid[0]) {
        WiFi.mode(WIFI_STA);
        WiFi.begin(ssid, atmqtt_board_wifi_pass());
        for (int i = 0; i < 200 && WiFi.status() != WL_CONNECTED; i++) delay(100);
        Serial.printf("wifi: %s\n", WiFi.status() == WL_CONNECTED ? WiFi.localIP().toString().c_str() : "not connected (the firmware retries)");
    }
    xTaskCreatePinnedToCore(atmqtt_board_task, "atmqtt", 32 * 1024, nullptr, 5, nullptr, 1);
}

void loop()
{
    vTaskDelay(pdMS_TO_TICKS(1000));
}
