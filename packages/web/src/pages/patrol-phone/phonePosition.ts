import { useEffect, useRef, useState } from 'react';
import { errorText } from '../../api/client';
import { type Fix, phoneApi } from './phoneApi';

/** At most one AVL post per this many ms; fixes in between wait, and only the newest is sent. */
export const SEND_EVERY_MS = 3_000;

export type GpsState = 'off' | 'waiting' | 'ok' | 'denied' | 'unavailable';

export interface PhonePosition {
  state: GpsState;
  fix: (Fix & { accuracy: number }) | null;
  sent: number;
  lastSentAt: string | null;
  /** Why the server did not take the last fix, if it did not. */
  refused: string | null;
}

/**
 * Watches the phone's position (browser geolocation) while the officer is signed on to a unit and
 * reports it as that unit's AVL: the newest fix at most every SEND_EVERY_MS, the rest dropped.
 */
export function usePhonePosition(unitId: string | null): PhonePosition {
  const [state, setState] = useState<GpsState>('off');
  const [fix, setFix] = useState<PhonePosition['fix']>(null);
  const [sent, setSent] = useState({ count: 0, at: null as string | null, refused: null as string | null });
  const pending = useRef<Fix | null>(null);

  useEffect(() => {
    if (!unitId) {
      setState('off');
      return;
    }
    if (!('geolocation' in navigator)) {
      setState('unavailable');
      return;
    }
    setState('waiting');
    let lastSent = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;

    const flush = async () => {
      timer = undefined;
      const next = pending.current;
      if (!next || stopped) return;
      pending.current = null;
      lastSent = Date.now();
      try {
        const answer = await phoneApi.sendFix(unitId, next);
        if (stopped) return;
        setSent((s) => ({
          count: s.count + answer.accepted,
          at: answer.accepted > 0 ? next.at : s.at,
          refused: answer.rejected[0]?.reason ?? null,
        }));
      } catch (error) {
        if (!stopped) setSent((s) => ({ ...s, refused: errorText(error) }));
      }
    };

    const watch = navigator.geolocation.watchPosition(
      (p) => {
        const c = p.coords;
        const next: Fix = {
          lon: c.longitude,
          lat: c.latitude,
          at: new Date(p.timestamp || Date.now()).toISOString(),
          ...(c.heading !== null && Number.isFinite(c.heading) ? { heading: c.heading % 360 } : {}),
          ...(c.speed !== null && Number.isFinite(c.speed) ? { speed: Math.min(c.speed, 100) } : {}),
        };
        setFix({ ...next, accuracy: c.accuracy });
        setState('ok');
        pending.current = next;
        if (timer === undefined)
          timer = setTimeout(flush, Math.max(0, lastSent + SEND_EVERY_MS - Date.now()));
      },
      (error) => setState(error.code === error.PERMISSION_DENIED ? 'denied' : 'unavailable'),
      { enableHighAccuracy: true, maximumAge: 5_000, timeout: 30_000 },
    );
    return () => {
      stopped = true;
      clearTimeout(timer);
      navigator.geolocation.clearWatch(watch);
    };
  }, [unitId]);

  return { state, fix, sent: sent.count, lastSentAt: sent.at, refused: sent.refused };
}
