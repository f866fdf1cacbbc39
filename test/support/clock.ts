/** A clock tests move by hand; services and the job queue read time only through it. */
export function manualClock(start: string | Date = '2026-03-01T12:00:00Z') {
  let now = new Date(start).getTime();
  const clock = () => new Date(now);
  clock.advance = (ms: number) => {
    now += ms;
  };
  clock.set = (at: string | Date) => {
    now = new Date(at).getTime();
  };
  return clock;
}
export type ManualClock = ReturnType<typeof manualClock>;
