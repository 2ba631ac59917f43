import { LiveProvider } from '../../live/LiveProvider';
import { WallPage } from './WallPage';

/** The wall outside the app frame: it opens the live feed itself (the frame is what does elsewhere). */
export function WallRoute() {
  return (
    <LiveProvider>
      <WallPage />
    </LiveProvider>
  );
}
