/** The logger: the SDK's expected warnings stay quiet, and the pretty format writes where it is told. */
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import pino from 'pino';
import { temporalLoggerFor } from '../../src/logger.js';

function memoryLogger() {
  const lines: { level: number; msg: string }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, destination), lines };
}

it("logs the SDK's warning for the budget queues' activity-only workers at debug, other warnings as warnings", () => {
  const { logger, lines } = memoryLogger();
  const temporal = temporalLoggerFor(logger);
  temporal.warn('No workflows registered, not polling for workflow tasks', { taskQueue: 'q-modelarts-reads' });
  temporal.warn('Workflow task failed', { taskQueue: 'q' });
  expect(lines.map((l) => [l.msg, pino.levels.labels[l.level]])).toEqual([
    ['No workflows registered, not polling for workflow tasks', 'debug'],
    ['Workflow task failed', 'warn'],
  ]);
});

it('the pretty format honours its destination (dev sends worker lines to stderr)', () => {
  const script =
    "import { createLogger } from './dist/logger.js';" +
    "const log = createLogger({ pretty: true, destination: process.stderr, level: 'info' });" +
    "log.info('pretty line'); log.flush(); setTimeout(() => process.exit(0), 500);";
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(result.status).toBe(0);
  expect(result.stdout).not.toContain('pretty line');
  expect(result.stderr).toContain('pretty line');
});
