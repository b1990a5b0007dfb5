// The atmqtt dashboard: one MQTT-over-WebSocket connection (mqtt.js, the
// npm package's browser bundle) to the same broker the devices use.
// Topic layout (docs/app.md, "The telemetry app"): atmqtt/<id>/status (retained
// online, the will retained offline), atmqtt/<id>/telemetry (JSON),
// atmqtt/<id>/cmd (commands, QoS 1), atmqtt/<id>/reply (their answers).
'use strict';

const devices = new Map(); // id -> { el, points, pending, seen, online, above }
const $ = (sel, root = document) => root.querySelector(sel);
let client = null;
let cfg = { wsUrl: '', keepalive: 10, devices: [], controls: false };

function setLink(state, text) {
  const el = $('#link');
  el.className = `link ${state}`;
  $('#link-text').textContent = text;
  document.body.dataset.link = state;
}

function device(id) {
  let d = devices.get(id);
  if (d) return d;
  const el = $('#device-card').content.firstElementChild.cloneNode(true);
  el.dataset.id = id;
  $('.name', el).textContent = id;
  const known = cfg.devices.find((x) => x.id === id);
  $('.modem', el).textContent = known ? `${known.modem} · ${known.transport}` : 'device';
  d = { el, points: [], pending: [], seen: 0, online: false, above: false, cut: false };
  devices.set(id, d);
  $('#no-devices').hidden = true;
  $('#devices').append(el);
  const form = $('.command', el);
  const arg = $('input[name=arg]', form);
  const verb = $('select', form);
  const syncArg = () => { arg.hidden = verb.value !== 'interval'; };
  verb.addEventListener('change', syncArg);
  syncArg();
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = verb.value === 'interval' ? `interval ${Math.max(1, Math.round(Number(arg.value) || 1))}` : verb.value;
    sendCommand(id, text);
  });
  const cut = $('.cut', el);
  if (!known || !cfg.controls) cut.parentElement.hidden = true;
  cut.addEventListener('click', () => void toggleNet(id));
  return d;
}

function setOnline(id, online) {
  const d = device(id);
  d.online = online;
  const s = $('.status', d.el);
  s.textContent = online ? 'online' : 'offline';
  s.className = `status ${online ? 'online' : 'offline'}`;
  d.el.classList.toggle('is-offline', !online);
}

function fmt(v, unit, digits) {
  return typeof v === 'number' ? `${v.toFixed(digits)} ${unit}` : '–';
}

function onTelemetry(id, json) {
  let t;
  try { t = JSON.parse(json); } catch { return; }
  const d = device(id);
  d.seen = Date.now();
  $('.v-temperature', d.el).textContent = fmt(t.temperature, '°C', 1);
  $('.v-humidity', d.el).textContent = fmt(t.humidity, '%', 1);
  $('.v-battery', d.el).textContent = fmt(t.battery, 'mV', 0);
  $('.v-output', d.el).textContent = t.output === undefined ? '–' : (t.output ? 'on' : 'off');
  if (typeof t.temperature === 'number') {
    d.points.push(t.temperature);
    if (d.points.length > 60) d.points.shift();
    draw(d);
    const limit = Number($('#threshold').value);
    const above = t.temperature > limit;
    if (above && !d.above) alert(`${id}: temperature ${t.temperature.toFixed(1)} °C above ${limit.toFixed(1)} °C`);
    d.above = above;
  }
  tick();
}

function draw(d) {
  const c = $('.chart', d.el);
  const g = c.getContext('2d');
  const w = c.width, h = c.height;
  g.clearRect(0, 0, w, h);
  if (d.points.length < 2) return;
  const lo = Math.min(...d.points) - 0.5, hi = Math.max(...d.points) + 0.5;
  g.strokeStyle = '#2b7de9';
  g.lineWidth = 2;
  g.beginPath();
  d.points.forEach((v, i) => {
    const x = (i / (d.points.length - 1)) * (w - 4) + 2;
    const y = h - 2 - ((v - lo) / (hi - lo)) * (h - 4);
    if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
  });
  g.stroke();
}

function alert(text) {
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  $('#alerts').prepend(li);
  while ($('#alerts').children.length > 50) $('#alerts').lastElementChild.remove();
}

function sendCommand(id, text) {
  const d = device(id);
  const li = document.createElement('li');
  li.className = 'ack sent';
  li.textContent = `${text}: sent`;
  $('.acks', d.el).prepend(li);
  while ($('.acks', d.el).children.length > 5) $('.acks', d.el).lastElementChild.remove();
  const entry = { text, li };
  d.pending.push(entry);
  if (!client || !client.connected) { li.textContent = `${text}: not sent, no connection`; li.className = 'ack failed'; d.pending.pop(); return; }
  client.publish(`atmqtt/${id}/cmd`, text, { qos: 1 }, (err) => {
    if (err) { li.textContent = `${text}: not sent (${err.message})`; li.className = 'ack failed'; return; }
    if (li.classList.contains('sent')) li.textContent = `${text}: at the broker, waiting for the device`;
  });
}

function onReply(id, text) {
  const d = device(id);
  // replies come back in order (QoS 1 both ways): the oldest command waiting
  const i = d.pending.findIndex((p) => text.endsWith(p.text));
  const p = i >= 0 ? d.pending.splice(i, 1)[0] : null;
  const ok = text.startsWith('ok');
  if (p) {
    p.li.textContent = `${p.text}: ${text}`;
    p.li.className = `ack ${ok ? 'acked' : 'failed'}`;
  } else {
    const li = document.createElement('li');
    li.className = `ack ${ok ? 'acked' : 'failed'}`;
    li.textContent = text;
    $('.acks', d.el).prepend(li);
  }
}

async function toggleNet(id) {
  const d = device(id);
  const want = !d.cut;
  const btn = $('.cut', d.el);
  btn.disabled = true;
  try {
    const r = await fetch(`api/devices/${encodeURIComponent(id)}/network`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cut: want }),
    });
    if (!r.ok) throw new Error(await r.text());
    d.cut = want;
    btn.textContent = want ? 'restore network' : 'cut network';
    d.el.classList.toggle('is-cut', want);
  } catch (e) {
    alert(`${id}: network switch failed: ${e.message}`);
  } finally {
    btn.disabled = false;
  }
}

function ago(ms) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

function tick() {
  for (const d of devices.values()) {
    const t = $('.seen', d.el);
    t.textContent = d.seen ? ago(Date.now() - d.seen) : 'never';
    if (d.seen) t.dateTime = new Date(d.seen).toISOString();
  }
}

function connect() {
  $('#broker').textContent = cfg.wsUrl;
  setLink('connecting', 'connecting');
  client = mqtt.connect(cfg.wsUrl, {
    keepalive: cfg.keepalive, reconnectPeriod: 2000, connectTimeout: 5000, clean: true,
    clientId: `atmqtt-dash-${Math.random().toString(16).slice(2, 10)}`,
  });
  client.on('connect', () => {
    setLink('up', 'connected');
    client.subscribe(['atmqtt/+/status', 'atmqtt/+/telemetry', 'atmqtt/+/reply'], { qos: 1 });
  });
  // keep alive drives these: a dead link is noticed within 1.5 × keepalive
  client.on('close', () => setLink('down', 'disconnected'));
  client.on('offline', () => setLink('down', 'disconnected'));
  client.on('reconnect', () => setLink('down', 'reconnecting'));
  client.on('message', (topic, payload) => {
    const m = /^atmqtt\/([^/]+)\/(status|telemetry|reply)$/.exec(topic);
    if (!m) return;
    const [, id, kind] = m;
    const text = payload.toString();
    if (kind === 'status') setOnline(id, text === 'online');
    else if (kind === 'telemetry') onTelemetry(id, text);
    else onReply(id, text);
  });
}

async function main() {
  try {
    const r = await fetch('config.json');
    cfg = { ...cfg, ...(await r.json()) };
  } catch {
    // served without the simulator: the broker of this page's host
    cfg.wsUrl = `ws://${location.hostname}:8080/mqtt`;
  }
  for (const d of cfg.devices) device(d.id);
  connect();
  setInterval(tick, 1000);
}

main();
