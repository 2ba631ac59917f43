import Hls from 'hls.js';
import { useEffect, useRef, useState } from 'react';

/**
 * A live HLS stream in a <video>: hls.js over Media Source Extensions, or the browser's own HLS
 * where it has one (Safari). Muted and autoplaying; the stream is dropped when the view closes.
 */
export function HlsPlayer({ src, onError }: { src: string; onError?: (message: string) => void }) {
  const ref = useRef<HTMLVideoElement>(null);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    setFailed(null);
    const fail = (message: string) => {
      setFailed(message);
      onError?.(message);
    };
    if (Hls.isSupported()) {
      const hls = new Hls({ liveSyncDurationCount: 3, lowLatencyMode: false });
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (data.fatal) fail(`${data.type}: ${data.details}`);
      });
      hls.loadSource(src);
      hls.attachMedia(video);
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        video.play().catch(() => {});
      });
      return () => hls.destroy();
    }
    if (video.canPlayType('application/vnd.apple.mpegurl')) {
      video.src = src;
      video.play().catch(() => {});
      return () => {
        video.removeAttribute('src');
        video.load();
      };
    }
    fail('HLS is not supported by this browser');
  }, [src, onError]);

  return (
    <div>
      <video
        ref={ref}
        data-testid="camera-video"
        muted
        playsInline
        controls
        style={{ width: '100%', aspectRatio: '16 / 9', background: '#000', borderRadius: 4 }}
      />
      {failed ? <div style={{ color: '#cf1322', fontSize: 12 }}>{failed}</div> : null}
    </div>
  );
}
