// bgone service worker: offline app shell + cross-origin isolation fallback.
//
// 1. Precaches the app shell and the engine's wasm (the list below is written at build time by
//    vite.config.ts) and serves them cache-first, so the app opens with no network. Models are not
//    cached here: the library stores them (OPFS / Cache Storage) with SHA-256 checks.
// 2. Static hosts that cannot set headers: every response it serves gets COOP same-origin, COEP
//    require-corp and CORP same-origin added, which makes the page cross-origin isolated (threads),
//    unless the server said X-Bgone-No-Isolation: 1 (tools/serve.mjs --no-isolation).
// It only handles same-origin GET requests; everything else goes to the network untouched.
/* global self, caches */
const PRECACHE = self.__BGONE_PRECACHE__ || [];
const VERSION = self.__BGONE_VERSION__ || 'dev';
const CACHE = `bgone-shell-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // cache: 'reload' skips the HTTP cache so a new version never precaches stale files.
      await cache.addAll(PRECACHE.map((url) => new Request(new URL(url, self.registration.scope), { cache: 'reload' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith('bgone-shell-') && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

function isolate(response) {
  if (!response || response.status === 0 || response.type === 'opaque' || response.type === 'opaqueredirect') {
    return response;
  }
  if (response.headers.get('X-Bgone-No-Isolation') === '1') return response;
  if (response.headers.get('Cross-Origin-Embedder-Policy') === 'require-corp') return response;
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

async function handle(request) {
  const url = new URL(request.url);
  const cache = await caches.open(CACHE);
  // Navigations (any path in scope, with any query) get the cached index.html.
  let key = request;
  if (request.mode === 'navigate') {
    key = new URL('./index.html', self.registration.scope).href;
    // Online first for the page itself, so a new deploy is seen; cache when offline.
    try {
      return isolate(await fetch(request));
    } catch {
      const cached = await cache.match(key);
      if (cached) return isolate(cached);
      throw new Error('offline and not cached');
    }
  }
  const cached = await cache.match(key, { ignoreSearch: url.pathname.endsWith('.html') });
  if (cached) return isolate(cached);
  return isolate(await fetch(request));
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  if (new URL(request.url).origin !== self.location.origin) return;
  // Range requests and the like: let the browser do them.
  if (request.headers.has('range')) return;
  event.respondWith(handle(request));
});
