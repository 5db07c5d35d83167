// Passport photos with the npm library (web/lib) in headless Debian Chromium; the cases live in
// passport-cases.mjs. Run: node --no-experimental-fetch --test web/tests/
import { fileURLToPath } from 'node:url';
import { rerunWithFetchIfNeeded } from './lib-harness.mjs';

const cases = fileURLToPath(new URL('./passport-cases.mjs', import.meta.url));
if (!(await rerunWithFetchIfNeeded(cases, 900_000))) await import('./passport-cases.mjs');
