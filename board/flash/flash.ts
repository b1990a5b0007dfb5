// npm run flash -- --port PORT [--chip esp32|esp8266] [--baud N] [--image PATH]
//                  [--wasm PATH [--out PATH]] [--offset N] [--dry-run]
// Writes the atmqtt image (16-byte header "AMQW", length, CRC-32, version 1,
// then build/atmqtt.wasm) to the board's "atmqtt" flash partition with
// esptool (PyPI esptool). See board/flash/README.md.
// Exit codes: 0 ok, 2 bad arguments, 3 image refused, 4 esptool missing,
// 5 esptool ran and failed (its own status is printed).

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { checkImage, hex8, makeImage } from "./image.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");

export type Chip = "esp32" | "esp8266";

export interface Partition {
  offset: number;
  size: number;
}

/** ESP8266 (4 MB flash): fixed region, above a 1 MB sketch/OTA area and
 *  below the last 1 MB (filesystem / SDK config sectors). */
export const ESP8266_PARTITION: Partition = { offset: 0x300000, size: 0x10000 };

function parseNum(s: string): number {
  const t = s.trim().toLowerCase();
  const n = /^0x[0-9a-f]+$/.test(t) ? parseInt(t.slice(2), 16) : /^[0-9]+$/.test(t) ? parseInt(t, 10) : NaN;
  return n;
}

/** The "atmqtt" row of an ESP-IDF partitions.csv. */
export function esp32Partition(csvPath: string = resolve(HERE, "partitions.csv")): Partition {
  for (const raw of readFileSync(csvPath, "utf8").split(/\r?\n/)) {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") continue;
    const f = line.split(",").map((x) => x.trim());
    if (f[0] !== "atmqtt") continue;
    const offset = parseNum(f[3] ?? "");
    const size = parseSize(f[4] ?? "");
    if (!Number.isFinite(offset) || !Number.isFinite(size)) {
      throw new Error(`${csvPath}: atmqtt row needs an explicit offset and size`);
    }
    return { offset, size };
  }
  throw new Error(`${csvPath}: no "atmqtt" partition`);
}

function parseSize(s: string): number {
  const m = /^([0-9]+)\s*([km])$/i.exec(s.trim());
  if (m) return parseInt(m[1]!, 10) * (m[2]!.toLowerCase() === "k" ? 1024 : 1024 * 1024);
  return parseNum(s);
}

export function partitionFor(chip: Chip): Partition {
  return chip === "esp32" ? esp32Partition() : ESP8266_PARTITION;
}

/** Major version of the installed esptool, or null when it is not installed.
 *  ATMQTT_ESPTOOL_VERSION overrides the probe (e.g. "4.8.1"). */
export function esptoolVersion(python: string): string | null {
  const forced = process.env.ATMQTT_ESPTOOL_VERSION;
  if (forced !== undefined && forced !== "") return forced === "none" ? null : forced;
  const r = spawnSync(python, ["-m", "esptool", "version"], { encoding: "utf8" });
  if (r.status !== 0 || typeof r.stdout !== "string") return null;
  const m = /(\d+\.\d+(?:\.\d+)?)\s*$/.exec(r.stdout.trim());
  return m ? m[1]! : null;
}

/** esptool >= 5 spells the command write-flash; 4.x write_flash. */
export function writeCommand(version: string): string {
  const major = parseInt(version, 10);
  return Number.isFinite(major) && major < 5 ? "write_flash" : "write-flash";
}

function shellQuote(a: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

function display(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : p;
}

const USAGE = `usage: npm run flash -- --port PORT [--chip esp32|esp8266] [--baud N]
       [--image PATH | --wasm PATH [--out PATH]] [--offset N] [--dry-run]
  --port PORT     serial port (required unless --dry-run)
  --chip CHIP     esp32 (default) or esp8266
  --baud N        default 460800
  --image PATH    a ready image (checked: magic, version, length, CRC-32)
  --wasm PATH     module to wrap when --image is absent (default build/atmqtt.wasm)
  --out PATH      where the built image goes (default build/atmqtt.img)
  --offset N      default: the atmqtt partition (esp32 0x${hex(esp32PartitionSafe())}
                  from board/flash/partitions.csv, esp8266 0x${hex(ESP8266_PARTITION.offset)})
  --dry-run       print the esptool command(s) and exit 0; no port is opened`;

function esp32PartitionSafe(): number {
  try {
    return esp32Partition().offset;
  } catch {
    return 0;
  }
}

function hex(n: number): string {
  return n.toString(16);
}

class Exit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export function main(argv: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        chip: { type: "string", default: "esp32" },
        baud: { type: "string", default: "460800" },
        image: { type: "string" },
        wasm: { type: "string" },
        out: { type: "string" },
        offset: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (e) {
    process.stderr.write(`flash: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  try {
    return run(values);
  } catch (e) {
    if (e instanceof Exit) {
      process.stderr.write(`flash: ${e.message}\n`);
      return e.code;
    }
    throw e;
  }
}

interface Opts {
  port?: string | undefined;
  chip?: string | undefined;
  baud?: string | undefined;
  image?: string | undefined;
  wasm?: string | undefined;
  out?: string | undefined;
  offset?: string | undefined;
  "dry-run"?: boolean | undefined;
}

function run(o: Opts): number {
  const dry = o["dry-run"] === true;
  const chip = o.chip ?? "esp32";
  if (chip !== "esp32" && chip !== "esp8266") throw new Exit(2, `--chip must be esp32 or esp8266, not "${chip}"\n${USAGE}`);
  if (o.port === undefined || o.port === "") {
    if (!dry) throw new Exit(2, `--port PORT is required (or use --dry-run)\n${USAGE}`);
  }
  const baud = parseNum(o.baud ?? "460800");
  if (!Number.isInteger(baud) || baud <= 0) throw new Exit(2, `--baud must be a positive integer, not "${o.baud}"`);
  if (o.image !== undefined && (o.wasm !== undefined || o.out !== undefined)) {
    throw new Exit(2, "--image is a ready image; --wasm/--out build one: give one or the other");
  }

  let part: Partition;
  try {
    part = partitionFor(chip);
  } catch (e) {
    throw new Exit(2, (e as Error).message);
  }
  let offset = part.offset;
  if (o.offset !== undefined) {
    offset = parseNum(o.offset);
    if (!Number.isInteger(offset) || offset < 0) throw new Exit(2, `--offset must be a number (0x... or decimal), not "${o.offset}"`);
    if (offset % 0x1000 !== 0) throw new Exit(2, `--offset 0x${hex(offset)} is not 4 KiB (flash sector) aligned`);
  }

  // The image: given (checked) or built from the module.
  let imagePath: string;
  let image: Buffer;
  if (o.image !== undefined) {
    imagePath = resolve(o.image);
    if (!existsSync(imagePath)) throw new Exit(2, `--image ${o.image}: no such file`);
    image = readFileSync(imagePath);
  } else {
    const wasmPath = resolve(o.wasm ?? resolve(ROOT, "build/atmqtt.wasm"));
    if (!existsSync(wasmPath)) throw new Exit(2, `${display(wasmPath)}: no such file (run npm run build:fw first)`);
    image = makeImage(readFileSync(wasmPath));
    imagePath = resolve(o.out ?? resolve(ROOT, "build/atmqtt.img"));
    mkdirSync(dirname(imagePath), { recursive: true });
    writeFileSync(imagePath, image);
  }
  let info;
  try {
    info = checkImage(image);
  } catch (e) {
    throw new Exit(3, `${display(imagePath)}: image refused: ${(e as Error).message}; not flashing`);
  }
  process.stderr.write(
    `${display(imagePath)}: ${info.moduleLength}-byte module, CRC-32 0x${hex8(info.crc)}, image ${image.length} bytes\n`,
  );
  if (o.offset === undefined && image.length > part.size) {
    throw new Exit(3, `${display(imagePath)}: image is ${image.length} bytes, the ${chip} atmqtt partition holds ${part.size}; not flashing`);
  }

  const python = process.env.ATMQTT_PYTHON ?? "python3";
  const version = esptoolVersion(python);
  if (version === null && !dry) {
    throw new Exit(4, `esptool is not installed for ${python}; install it with: ${python} -m pip install esptool`);
  }
  if (version === null) {
    process.stderr.write(`esptool not installed (${python} -m pip install esptool); assuming esptool 5.x syntax\n`);
  }
  const args = [
    "-m",
    "esptool",
    "--chip",
    chip,
    "--port",
    o.port !== undefined && o.port !== "" ? o.port : "PORT",
    "--baud",
    String(baud),
    writeCommand(version ?? "5"),
    "0x" + hex(offset),
    display(imagePath),
  ];
  const line = [python, ...args].map(shellQuote).join(" ");
  if (dry) {
    process.stdout.write(line + "\n");
    return 0;
  }
  process.stdout.write(line + "\n");
  const r = spawnSync(python, args, { stdio: "inherit" });
  if (r.error) throw new Exit(4, `cannot run ${python}: ${r.error.message}`);
  if (r.status !== 0) {
    process.stderr.write(`flash: esptool failed (exit ${r.status ?? r.signal})\n`);
    return 5;
  }
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
