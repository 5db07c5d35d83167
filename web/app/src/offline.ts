// Registers the service worker (offline use, cross-origin isolation fallback).
//
// On a host that cannot send COOP/COEP, the page is not cross-origin isolated on its first load; the
// service worker then adds the headers, and one reload (at most once per tab session, so a host
// that must stay non-isolated cannot cause a loop) makes the page isolated and threads available.
const RELOAD_FLAG = 'bgone-coi-reload';

export async function setUpServiceWorker(onState: (text: string) => void): Promise<void> {
  if (!('serviceWorker' in navigator)) {
    onState('offline use unavailable in this browser');
    return;
  }
  if (import.meta.env.DEV) {
    onState('offline use off in development');
    return;
  }
  try {
    await navigator.serviceWorker.register('./sw.js', { scope: './' });
    await navigator.serviceWorker.ready;
    onState('ready for offline use');
    if (crossOriginIsolated || sessionStorage.getItem(RELOAD_FLAG)) return;
    if (!navigator.serviceWorker.controller) {
      // The worker claims open pages when it activates.
      await new Promise<void>((resolve) => {
        navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true });
        setTimeout(resolve, 3000);
      });
    }
    if (navigator.serviceWorker.controller && !busy()) {
      sessionStorage.setItem(RELOAD_FLAG, '1');
      location.reload();
    }
  } catch (err) {
    onState(`offline use unavailable (${(err as Error).message})`);
  }
}

// Never reload under the user's feet: only while nothing is queued.
let isBusy = () => false;
export function setBusyCheck(check: () => boolean): void {
  isBusy = check;
}
function busy(): boolean {
  return isBusy();
}
