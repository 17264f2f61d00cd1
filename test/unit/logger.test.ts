/** The logger: the SDK's expected warnings stay quiet, and the pretty format writes where it is told. */
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import pino from 'pino';
import { temporalLoggerFor } from '../../src/logger.js';
import { SEALED_TEXT } from '../../src/modelarts/redact.js';

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

it("sealed: the SDK's error lines keep the error's name and failure type, not its message (ids, error_msg)", () => {
  const failure = Object.assign(
    new Error('export task T1 on dataset SealedDs7 ended FAILED: ModelArts.4352 bucket /secret-bucket/ refused'),
    { type: 'ModelArtsTaskFailed' },
  );
  for (const sealed of [true, false]) {
    const { logger, lines } = memoryLogger();
    temporalLoggerFor(logger, { sealed }).warn('Workflow failed', { error: failure, workflowId: 'team-a~r1' });
    const line = JSON.stringify(lines);
    expect(lines[0]).toMatchObject({ msg: 'Workflow failed', workflowId: 'team-a~r1' });
    expect(lines[0]).toMatchObject({ error: { name: 'Error', type: 'ModelArtsTaskFailed' } });
    if (sealed) {
      expect(lines[0]).toMatchObject({ error: { message: SEALED_TEXT } });
      expect(line).not.toMatch(/SealedDs7|secret-bucket|T1/);
    } else expect(line).toContain('SealedDs7');
  }
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
