// The patrol phone's service worker (巡逻终端): what makes the page installable as an app. It keeps
// nothing of the officer's data; when the network is gone, opening the app shows a short offline
// notice instead of the browser's error page. Scope: /patrol-phone (registered by the page).
const OFFLINE_HTML = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>巡逻终端</title></head>
<body style="font-family:sans-serif;padding:24px;color:#333">
<h2>网络不可用</h2><p>巡逻终端需要网络才能上报位置和接收派警。请检查网络后重试。</p>
<p style="color:#888">The network is unavailable: the patrol phone needs it to report positions and receive dispatches.</p>
<button onclick="location.reload()">重试 / Retry</button></body></html>`;

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  if (event.request.mode !== 'navigate') return;
  event.respondWith(
    fetch(event.request).catch(
      () => new Response(OFFLINE_HTML, { headers: { 'content-type': 'text/html; charset=utf-8' } }),
    ),
  );
});
