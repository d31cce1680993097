import { ConsoleLogger, Logger } from '@nestjs/common';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { runWithLogBindings } from '../../../src/logging/log-context.js';
import { PinoNestLogger } from '../../../src/logging/pino-nest.logger.js';

function capture(level = 'trace') {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { lines, nest: new PinoNestLogger(logger) };
}

describe(PinoNestLogger.name, () => {
  it("maps Nest's levels and its trailing context parameter", () => {
    const { lines, nest } = capture();
    nest.log('started', 'Bootstrap');
    nest.warn('careful');
    nest.debug('details', 'Engine');
    nest.verbose('more', 'Engine');
    nest.fatal('gone', 'Engine');
    expect(lines.map(({ level, msg, context }) => [level, msg, context])).toEqual([
      [30, 'started', 'Bootstrap'],
      [40, 'careful', undefined],
      [20, 'details', 'Engine'],
      [10, 'more', 'Engine'],
      [60, 'gone', 'Engine'],
    ]);
  });

  it('keeps the stack Nest passes to error() and an Error given as the message', () => {
    const { lines, nest } = capture();
    nest.error('it broke', 'Error: it broke\n    at here', 'Service');
    nest.error(new Error('thrown'), undefined, 'Service');
    expect(lines[0]).toMatchObject({ level: 50, msg: 'it broke', context: 'Service' });
    expect(lines[0].stack).toContain('at here');
    expect(lines[1]).toMatchObject({
      msg: 'thrown',
      context: 'Service',
      err: { message: 'thrown' },
    });
  });

  it('merges an object message and the bindings of the running work', () => {
    const { lines, nest } = capture();
    runWithLogBindings({ reqId: 'r-1' }, () =>
      runWithLogBindings({ taskId: 't-1' }, () => nest.log({ msg: 'task finished', n: 3 }, 'X')),
    );
    nest.log('outside');
    expect(lines[0]).toMatchObject({
      msg: 'task finished',
      n: 3,
      reqId: 'r-1',
      taskId: 't-1',
      context: 'X',
    });
    expect(lines[1].reqId).toBeUndefined();
  });

  it('serves the Logger of every class once Nest uses it, and respects the level', () => {
    const { lines, nest } = capture('warn');
    Logger.overrideLogger(nest);
    try {
      new Logger('Somewhere').log('dropped below warn');
      new Logger('Somewhere').error('kept');
    } finally {
      Logger.overrideLogger(new ConsoleLogger());
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, msg: 'kept', context: 'Somewhere' });
  });
});
