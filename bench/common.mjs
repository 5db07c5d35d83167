// Helpers shared by the native (bench/bench.mjs) and browser (bench/web/bench.mjs) benchmarks.
import fs from 'node:fs';
import os from 'node:os';

/** One line describing the machine the figures came from. */
export function machine() {
  const cpus = os.cpus();
  let distro = '';
  try {
    distro = /PRETTY_NAME="([^"]*)"/.exec(fs.readFileSync('/etc/os-release', 'utf8'))[1];
  } catch { /* not Linux */ }
  return `${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ` +
         `${Math.round(os.totalmem() / 2 ** 30)} GiB, ${distro}, node ${process.version}`;
}
