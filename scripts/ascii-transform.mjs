// AssemblyScript transform: ascii("text") becomes memory.data<u8>([len, bytes...]),
// a length-prefixed ASCII string in static data. AssemblyScript string
// literals are UTF-16 with a 20-byte header; on a board whose RAM holds the
// module's data, that doubled every AT command and log text.
// It re-parses the sources that use ascii(), before the program is built.

const CALL = /\bascii\("((?:[^"\\]|\\.)*)"\)/g;

function bytesOf(literal) {
  const s = JSON.parse(`"${literal}"`);
  const out = [];
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (c > 126 && c !== 0) throw new Error(`ascii(): non-ASCII character in "${literal}"`);
    out.push(c);
  }
  if (out.length > 255) throw new Error(`ascii(): longer than 255 bytes: "${literal}"`);
  return [out.length, ...out];
}

/**
 * All texts of one file go into one static blob (one data segment, not one
 * per text: each segment costs bytes of its own in the module), and each
 * call becomes the blob's address plus the text's offset.
 */
export function rewrite(text) {
  const blob = [];
  const seen = new Map();
  const out = text.replace(CALL, (_m, lit) => {
    let off = seen.get(lit);
    if (off === undefined) {
      off = blob.length;
      seen.set(lit, off);
      blob.push(...bytesOf(lit));
    }
    return `(__ascii + ${off})`;
  });
  return `const __ascii: usize = memory.data<u8>([${blob.join(',')}]);\n` + out;
}

export default class AsciiTransform {
  afterParse(parser) {
    for (const source of [...parser.sources]) {
      const path = source.normalizedPath;
      if (path.startsWith('~lib/') || !source.text.includes('ascii("')) continue;
      const text = rewrite(source.text);
      parser.sources.splice(parser.sources.indexOf(source), 1);
      parser.donelog.delete(source.internalPath);
      parser.seenlog.delete(source.internalPath);
      parser.parseFile(text, path, source.sourceKind === 1 /* USER_ENTRY */);
    }
  }
}
