import type { Logger } from 'pino';

/** What a numbered schema step is given: the injected clock's time at start, and where to report. */
export interface StepContext {
  now: number;
  logger: Pick<Logger, 'info'>;
}

/** For openers that keep no log (tests, tools). */
export const silentStepLogger: StepContext['logger'] = { info: () => undefined };
