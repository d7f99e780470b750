import type { Clock } from '../../src/clock.ts';

/** Real time plus an offset the test moves forward, so TOTP steps pass without sleeping. */
export class TestClock implements Clock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
