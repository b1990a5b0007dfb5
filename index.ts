// The package's AssemblyScript entry: `import { ... } from "atmqtt"` in an
// app resolves here (asc 0.27 looks for node_modules/atmqtt/index.ts; it
// does not read package.json's "ascMain").
export * from "./assembly/sdk";
