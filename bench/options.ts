// Command-line options every section sees.
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface BenchOptions {
  /** the CI run: fewer and shorter cases, slowest emulator runs left out (said in the output) */
  quick: boolean;
}
