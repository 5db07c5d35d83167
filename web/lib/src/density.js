// Print resolution in encoded files: the browser's encoders write none (JPEG: a JFIF header with
// "no units", PNG: no pHYs chunk), so it is set here on the encoded bytes, as the native CLI's
// encoder does (JPEG: JFIF density in dots per inch; PNG: pHYs in pixels per metre).

const JFIF = [0x4a, 0x46, 0x49, 0x46, 0x00];  // "JFIF\0"

/**
 * The JPEG with its JFIF APP0 density set to `dpi` dots per inch (the APP0 segment is added
 * right after SOI when the file has none). Throws on bytes that are not a JPEG.
 * @param {Uint8Array} jpeg
 * @param {number} dpi whole number, 1-65535
 * @returns {Uint8Array}
 */
export function withJpegDensity(jpeg, dpi) {
  if (!Number.isInteger(dpi) || dpi < 1 || dpi > 65535) throw new Error(`bgone: bad dpi ${dpi}`);
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('bgone: not a JPEG');
  const hasJfif = jpeg[2] === 0xff && jpeg[3] === 0xe0 && jpeg.length >= 18 &&
    JFIF.every((b, i) => jpeg[6 + i] === b);
  const out = hasJfif ? jpeg.slice() : new Uint8Array(jpeg.length + 18);
  if (!hasJfif) {
    // SOI, then APP0: length 16, "JFIF\0", version 1.1, units, densities, no thumbnail.
    out.set([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, ...JFIF, 0x01, 0x01], 0);
    out.set(jpeg.subarray(2), 20);
  }
  // Offsets within the file: units at 13, X density at 14-15, Y density at 16-17, thumbnail
  // size at 18-19 (kept when the file had a header; zero when it is new).
  out[13] = 1;  // dots per inch
  out[14] = dpi >> 8; out[15] = dpi & 0xff;
  out[16] = dpi >> 8; out[17] = dpi & 0xff;
  if (!hasJfif) { out[18] = 0; out[19] = 0; }
  return out;
}

let crcTable = null;
function crc32(bytes, start, end) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The PNG with a pHYs chunk of `dpi` (as pixels per metre, rounded) right after IHDR; an existing
 * pHYs chunk is dropped. Throws on bytes that are not a PNG.
 * @param {Uint8Array} png
 * @param {number} dpi
 * @returns {Uint8Array}
 */
export function withPngDensity(png, dpi) {
  if (!(dpi > 0 && dpi <= 65535)) throw new Error(`bgone: bad dpi ${dpi}`);
  if (png.length < 33 || !PNG_SIGNATURE.every((b, i) => png[i] === b)) throw new Error('bgone: not a PNG');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks = [];  // [start, end) of every chunk but pHYs
  for (let at = 8; at < png.length;) {
    if (at + 12 > png.length) throw new Error('bgone: truncated PNG');
    const length = view.getUint32(at);
    const end = at + 12 + length;
    if (end > png.length) throw new Error('bgone: truncated PNG');
    const type = String.fromCharCode(png[at + 4], png[at + 5], png[at + 6], png[at + 7]);
    if (type !== 'pHYs') chunks.push([at, end, type]);
    at = end;
    if (type === 'IEND') break;
  }
  if (!chunks.length || chunks[0][2] !== 'IHDR') throw new Error('bgone: PNG without IHDR');
  const ppm = Math.round(dpi / 0.0254);
  const phys = new Uint8Array(21);
  const pv = new DataView(phys.buffer);
  pv.setUint32(0, 9);
  phys.set([0x70, 0x48, 0x59, 0x73], 4);  // "pHYs"
  pv.setUint32(8, ppm);
  pv.setUint32(12, ppm);
  phys[16] = 1;  // unit: metre
  pv.setUint32(17, crc32(phys, 4, 17));
  const total = 8 + phys.length + chunks.reduce((n, [s, e]) => n + (e - s), 0);
  const out = new Uint8Array(total);
  out.set(PNG_SIGNATURE, 0);
  let o = 8;
  chunks.forEach(([s, e], i) => {
    out.set(png.subarray(s, e), o);
    o += e - s;
    if (i === 0) { out.set(phys, o); o += phys.length; }
  });
  return out;
}
