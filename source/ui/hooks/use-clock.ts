import { useEffect, useState } from 'react';

/** The time, ticking every `intervalMs` (elapsed times and the header clock). */
export function useClock(clock: () => number, intervalMs = 1000): number {
  const [now, setNow] = useState(clock);
  useEffect(() => {
    const timer = setInterval(() => setNow(clock()), intervalMs);
    return () => clearInterval(timer);
  }, [clock, intervalMs]);
  return now;
}
