// as-pect 8 configuration (AssemblyScript 0.27): `npm run test:unit`.
// Every spec gets the host ABI imports (board/ABI.md) from a scripted host:
// a clock the spec moves and an MQTT broker behind sock_*, controlled from
// the spec through the extra import module "broker", plus the ascii()
// import the build-time transform would otherwise replace (see
// tests/unit/scripted-host.js). ASP_HOST_LOG=1 prints the host's log lines,
// events and broker traffic. The AT specs script the modem through a third
// import module, "uart": a UART whose modem side the spec writes and reads
// back, the GPIO writes with their times, and the same clock (ASP_HOST_LOG=1
// also prints the UART traffic).
import { createHost, createAscii } from "./tests/unit/scripted-host.js";

export default {
  entries: ["tests/unit/**/*.spec.ts"],
  include: ["tests/unit/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    let result = null;
    const { host, broker, uart } = createHost(() => result.exports.memory, process.env.ASP_HOST_LOG === "1");
    const ascii = createAscii(() => result.exports);
    result = await instantiate(binary, createImports({ env: { memory }, host, broker, uart, ascii }));
    return result;
  },
  outputBinary: false,
};
