// as-pect (AssemblyScript unit tests): npm run test:unit runs tests/*.spec.ts.
export default {
  entries: ["tests/**/*.spec.ts"],
  include: [],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
