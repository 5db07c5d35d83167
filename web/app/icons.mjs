// Draws the app's PNG icons (a cut-out silhouette on a checkerboard tile) with node:zlib, so no
// binary files live in the repository. Used by vite.config.mts at build time.
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** RGBA PNG of size x size; maskable icons keep the drawing inside the 80% safe zone. */
export function drawIcon(size, { maskable = false } = {}) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  const inset = maskable ? 0 : 0.06;
  const radius = maskable ? 0 : 0.2;
  const scale = maskable ? 0.78 : 1;
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const u = (x + 0.5) / size;
      const v = (y + 0.5) / size;
      let rgba = [0, 0, 0, 0];
      // Rounded square background (blue).
      const dx = Math.max(inset + radius - u, 0, u - (1 - inset - radius));
      const dy = Math.max(inset + radius - v, 0, v - (1 - inset - radius));
      const inside = u >= inset && u <= 1 - inset && v >= inset && v <= 1 - inset && dx * dx + dy * dy <= radius * radius;
      if (inside) rgba = [29, 78, 216, 255];
      // Silhouette (head + shoulders), centred, in white, over a checkerboard half.
      const su = (u - 0.5) / scale + 0.5;
      const sv = (v - 0.5) / scale + 0.5;
      if (inside && su > 0.5) {
        const check = (Math.floor(su * 8) + Math.floor(sv * 8)) % 2 === 0;
        rgba = check ? [59, 110, 240, 255] : [29, 78, 216, 255];
      }
      const head = (su - 0.5) ** 2 + (sv - 0.38) ** 2 <= 0.13 ** 2;
      const body = sv >= 0.56 && sv <= 0.86 && ((su - 0.5) / 0.27) ** 2 + ((sv - 0.86) / 0.3) ** 2 <= 1;
      if (inside && (head || body)) rgba = [255, 255, 255, 255];
      raw.set(rgba, y * (size * 4 + 1) + 1 + x * 4);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
