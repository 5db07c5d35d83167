#!/usr/bin/env node
// A small static file server for the bgone web app (node:http, no dependencies).
//
//   node tools/serve.mjs [--port 8080] [--host 127.0.0.1] [--dir dist/] [--no-isolation | --plain] [--quiet]
//
// Every response carries the headers the app needs (see docs/WEB.md):
//   Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, which make
//   the page cross-origin isolated so the engine can use threads (SharedArrayBuffer);
//   a strict Content-Security-Policy (nothing but this origin);
//   Cross-Origin-Resource-Policy: same-origin.
// --no-isolation leaves out COOP/COEP (to test the single-thread fallback) and asks the page, through
// the X-Bgone-No-Isolation header, not to install the service-worker fallback. --plain sends neither
// COOP/COEP nor that header, like a static host that cannot set headers (the service worker then
// makes the page isolated).
// --port 0 picks a free port; the chosen address is printed as "serving http://HOST:PORT/".
// Requests may only read files inside --dir: paths are decoded, normalised and checked to stay within
// it, and symlinks that lead out of it are refused.
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

export const CSP =
  "default-src 'self'; connect-src 'self'; img-src 'self' blob: data:; worker-src 'self' blob:; " +
  "script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; object-src 'none'; base-uri 'self'; " +
  "form-action 'self'; frame-ancestors 'none'";

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.gz': 'application/gzip',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export function parseArgs(argv) {
  const opts = { port: 8080, host: '127.0.0.1', dir: 'dist', isolation: true, plain: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--port') opts.port = Number(value());
    else if (a === '--host') opts.host = value();
    else if (a === '--dir') opts.dir = value();
    else if (a === '--no-isolation') opts.isolation = false;
    else if (a === '--plain') opts.plain = true;
    else if (a === '--quiet' || a === '-q') opts.quiet = true;
    else if (a === '-h' || a === '--help') opts.help = true;
    else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new Error(`bad --port ${opts.port}`);
  }
  return opts;
}

function securityHeaders(isolation, plain) {
  const h = {
    'Content-Security-Policy': CSP,
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
  if (plain) return h;
  if (isolation) {
    h['Cross-Origin-Opener-Policy'] = 'same-origin';
    h['Cross-Origin-Embedder-Policy'] = 'require-corp';
  } else {
    h['X-Bgone-No-Isolation'] = '1';
  }
  return h;
}

/** Starts the server; resolves to { server, url } once it listens. */
export async function serve({ port = 8080, host = '127.0.0.1', dir = 'dist', isolation = true, plain = false, quiet = true } = {}) {
  const root = await realpath(path.resolve(dir));
  const headers = securityHeaders(isolation, plain);

  const server = createServer(async (req, res) => {
    const send = (status, text) => {
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : `${text}\n`);
    };
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        return send(405, 'method not allowed');
      }
      let rel;
      try {
        rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      } catch {
        return send(400, 'bad request');
      }
      if (rel.includes('\0')) return send(400, 'bad request');
      // Resolve against the root and refuse anything that lands outside it.
      let file = path.resolve(root, `.${path.posix.normalize(`/${rel}`)}`);
      if (file !== root && !file.startsWith(root + path.sep)) return send(403, 'forbidden');
      let info;
      try {
        info = await stat(file);
        if (info.isDirectory()) {
          file = path.join(file, 'index.html');
          info = await stat(file);
        }
        const real = await realpath(file);
        if (real !== root && !real.startsWith(root + path.sep)) return send(403, 'forbidden');
      } catch {
        return send(404, 'not found');
      }
      if (!info.isFile()) return send(404, 'not found');
      const type = MIME[path.extname(file).toLowerCase()] || 'application/octet-stream';
      // Revalidate everything (the service worker does the offline caching), answering an
      // unchanged file with 304 like any static host: the browser then keeps its cached copy,
      // and with it the compiled code it stored for the engine's .wasm (V8's code cache), so a
      // returning visit does not compile the engine again.
      const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
      const validators = {
        'Cache-Control': 'no-cache',
        'Last-Modified': info.mtime.toUTCString(),
        ETag: etag,
      };
      const inm = req.headers['if-none-match'];
      const ims = Date.parse(req.headers['if-modified-since'] || '');
      const unchanged = inm !== undefined
        ? inm.split(',').some((t) => t.trim() === etag || t.trim() === '*')
        : Number.isFinite(ims) && Math.floor(info.mtimeMs / 1000) * 1000 <= ims;
      if (unchanged) {
        res.writeHead(304, { ...headers, ...validators });
        return res.end();
      }
      res.writeHead(200, {
        ...headers,
        'Content-Type': type,
        'Content-Length': info.size,
        ...validators,
      });
      if (req.method === 'HEAD') return res.end();
      const stream = createReadStream(file);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
    } catch (err) {
      if (!res.headersSent) send(500, 'internal error');
      else res.destroy();
      if (!quiet) console.error(err);
    }
  });
  if (!quiet) {
    server.on('request', (req, res) => {
      res.on('finish', () => console.log(`${res.statusCode} ${req.method} ${req.url}`));
    });
  }
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const addr = server.address();
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return { server, url: `http://${shownHost}:${addr.port}/` };
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname;
if (isMain) {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`serve: ${err.message}`);
    process.exit(2);
  }
  if (opts.help) {
    console.log('usage: node tools/serve.mjs [--port 8080] [--host 127.0.0.1] [--dir dist/] [--no-isolation | --plain] [--quiet]');
    process.exit(0);
  }
  try {
    const { url } = await serve(opts);
    const mode = opts.plain ? ', no COOP/COEP headers' : opts.isolation ? '' : ', not cross-origin isolated';
    console.log(`serving ${url} (${opts.dir}${mode})`);
  } catch (err) {
    console.error(`serve: ${err.message}`);
    process.exit(1);
  }
}
