// The npm library (web/lib) in headless Debian Chromium; the cases live in lib-cases.mjs.
// Run: node --no-experimental-fetch --test web/tests/   (or node --test web/tests/lib.test.mjs)
import { fileURLToPath } from 'node:url';
import { rerunWithFetchIfNeeded } from './lib-harness.mjs';

const cases = fileURLToPath(new URL('./lib-cases.mjs', import.meta.url));
if (!(await rerunWithFetchIfNeeded(cases, 900_000))) await import('./lib-cases.mjs');
