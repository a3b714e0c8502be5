/** Anything that depends on "now" takes a clock, so tests run at fixed instants. */
export interface Clock {
  now(): Date
}
export const systemClock: Clock = { now: () => new Date() }

/** A clock that stays where it is put: for tests and job runs at a chosen instant. */
export function fixedClock(at: Date | string): Clock & { set(at: Date | string): void; advance(seconds: number): void } {
  let t = new Date(at).getTime()
  return {
    now: () => new Date(t),
    set: (d) => {
      t = new Date(d).getTime()
    },
    advance: (s) => {
      t += s * 1000
    },
  }
}
