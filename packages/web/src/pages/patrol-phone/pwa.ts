/**
 * The phone page as an installable app (PWA): its web manifest and a minimal service worker, both
 * served from packages/web/public. The app's index.html is shared by every page, so the page adds
 * the manifest link itself; the worker's scope is this page only, so no other page is affected.
 */
export const MANIFEST_URL = '/patrol-phone.webmanifest';
export const WORKER_URL = '/patrol-phone-sw.js';
export const WORKER_SCOPE = '/patrol-phone';

export function installPwa(): void {
  if (!document.querySelector(`link[rel="manifest"][href="${MANIFEST_URL}"]`)) {
    const link = document.createElement('link');
    link.rel = 'manifest';
    link.href = MANIFEST_URL;
    document.head.appendChild(link);
  }
  if (!document.querySelector('meta[name="theme-color"]')) {
    const meta = document.createElement('meta');
    meta.name = 'theme-color';
    meta.content = '#1f4e9c';
    document.head.appendChild(meta);
  }
  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(WORKER_URL, { scope: WORKER_SCOPE }).catch(() => {
      // Without a worker the page still works; it is only not installable.
    });
  }
}
