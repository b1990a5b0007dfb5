// The dashboard in real Chromium (Debian's, driven by playwright-core):
// `atmqtt demo` with its embedded broker and three simulated devices; the
// page shows them online with values that update, a command is
// acknowledged, cutting a device's network turns it offline within
// 1.5 × its keep alive (plus the page's own margin) and restoring it brings
// it back; then, against a broker the test runs itself (`--broker`),
// stopping that broker turns the page's own indicator red. Screenshots go to
// build/screenshots/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CLI, REPO_ROOT } from '../helpers/sim.ts';
import { startBroker } from '../../sim/broker.ts';

const SHOTS = path.join(REPO_ROOT, 'build/screenshots');
const KA = 4; // the devices' keep alive in these runs, seconds
let browser: Browser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
});
after(async () => { await browser?.close(); });

/** `atmqtt demo ...`; resolves with its dashboard URL (its first line). */
async function demo(args: string[], procs: ChildProcess[]): Promise<{ url: string; lines: string[] }> {
  const proc = spawn(process.execPath, [CLI, 'demo', '--port', '0', '--telemetry', '1', '--keepalive', String(KA), ...args], {
    cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.push(proc);
  const lines: string[] = [];
  const rl = readline.createInterface({ input: proc.stdout! });
  const first = new Promise<string>((resolve, reject) => {
    rl.on('line', (l) => { lines.push(l); if (lines.length === 1) resolve(l); });
    proc.on('exit', (code) => reject(new Error(`demo exited ${code}`)));
  });
  const line = await first;
  const m = /^atmqtt dashboard: (http:\/\/\S+)$/.exec(line);
  assert.ok(m, `the first line is the dashboard's URL: ${line}`);
  return { url: m[1]!, lines };
}

async function stop(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null) return proc.exitCode;
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  proc.kill('SIGINT');
  const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
  const code = await exited;
  clearTimeout(t);
  return code;
}

const card = (page: Page, id: string) => page.locator(`article.device[data-id="${id}"]`);
const DEVICES = ['atmqtt-sim800', 'atmqtt-sim900', 'atmqtt-esp-at'];

describe('dashboard in Chromium', () => {
  const procs: ChildProcess[] = [];
  after(async () => { for (const p of procs) await stop(p); });

  test('devices online with live values; a command acknowledged; a cut network shows the will, a restored one brings the device back', { timeout: 120000 }, async (t) => {
    const t0 = Date.now();
    const { url } = await demo([], procs);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    t.after(() => page.close());
    await page.goto(url);
    await page.locator('#link.up').waitFor({ timeout: 15000 });
    for (const id of DEVICES) await card(page, id).locator('.status.online').waitFor({ timeout: 45000 });
    await page.locator(`article.device .v-temperature:not(:text("–"))`).first().waitFor({ timeout: 15000 });
    t.diagnostic(`from demo start to the first value on screen: ${Date.now() - t0} ms`);
    // values update
    const sim800 = card(page, 'atmqtt-sim800');
    const seen1 = await sim800.locator('.seen').getAttribute('datetime', { timeout: 10000 });
    await page.waitForFunction((prev) => document.querySelector('article.device[data-id="atmqtt-sim800"] .seen')?.getAttribute('datetime') !== prev, seen1, { timeout: 10000 });
    for (const id of DEVICES) {
      const temp = await card(page, id).locator('.v-temperature').textContent();
      assert.match(temp ?? '', /^-?\d+\.\d °C$/, `${id} shows a temperature: ${temp}`);
    }

    // a command, acknowledged by the device
    await sim800.locator('select[name=verb]').selectOption('output 1');
    await sim800.locator('button[type=submit]').click();
    await sim800.locator('.ack.acked', { hasText: 'ok output 1' }).waitFor({ timeout: 15000 });
    await sim800.locator('.v-output', { hasText: 'on' }).waitFor({ timeout: 10000 });

    // a threshold below the current temperatures raises an alert
    await page.locator('#threshold').fill('-40');
    await page.locator('#alerts li').first().waitFor({ timeout: 10000 });
    await page.screenshot({ path: path.join(SHOTS, 'dashboard.png'), fullPage: true });

    // cut the ESP-AT device's network: the broker's keep alive (aedes: 1.5 × KA) publishes its will
    const esp = card(page, 'atmqtt-esp-at');
    const cutAt = Date.now();
    await esp.locator('button.cut').click();
    await esp.locator('.status.offline').waitFor({ timeout: 1.5 * KA * 1000 + 3000 });
    const offlineMs = Date.now() - cutAt;
    t.diagnostic(`offline ${offlineMs} ms after the cut (keep alive ${KA} s)`);
    assert.ok(offlineMs <= 1.5 * KA * 1000 + 3000);
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-cut.png'), fullPage: true });
    await esp.locator('button.cut', { hasText: 'restore network' }).click();
    await esp.locator('.status.online').waitFor({ timeout: 45000 });
    t.diagnostic(`online again ${Date.now() - cutAt} ms after the cut`);

    // a phone-sized screen: one column, nothing wider than the screen
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    t.after(() => phone.close());
    await phone.goto(url);
    await card(phone, 'atmqtt-sim800').locator('.status.online').waitFor({ timeout: 15000 });
    await card(phone, 'atmqtt-sim800').locator('.v-temperature:not(:text("–"))').waitFor({ timeout: 10000 });
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling on a phone (${overflow} px too wide)`);
    await phone.screenshot({ path: path.join(SHOTS, 'dashboard-phone.png'), fullPage: true });
  });

  test('--broker: the page uses the given broker; stopping it turns the page indicator red', { timeout: 90000 }, async (t) => {
    const broker = await startBroker(0, 0);
    let brokerUp = true;
    t.after(async () => { if (brokerUp) await broker.close(); });
    const { url } = await demo(['--broker', broker.url, '--broker-ws', broker.wsUrl], procs);
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    t.after(() => page.close());
    await page.goto(url);
    await page.locator('#link.up').waitFor({ timeout: 15000 });
    assert.equal(await page.locator('#broker').textContent(), broker.wsUrl);
    await card(page, 'atmqtt-sim900').locator('.status.online').waitFor({ timeout: 45000 });
    const at = Date.now();
    await broker.close();
    brokerUp = false;
    await page.locator('#link.down').waitFor({ timeout: 15000 });
    t.diagnostic(`indicator red ${Date.now() - at} ms after the broker stopped`);
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-broker-down.png') });
  });
});
