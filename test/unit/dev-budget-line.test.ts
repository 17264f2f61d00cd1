/** `dev` says in one line that the default budget caps the fleet at 2 creates per second, and how to raise it. */
import { budgetEnv, budgetLine } from '../../src/cli/dev.js';
import { DEFAULT_BUDGET, workerConfigFromEnv } from '../../src/config.js';

const base = {
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  MODELARTS_ENDPOINT: 'http://127.0.0.1:8090',
  MODELARTS_PROJECT_ID: 'p',
  MODELARTS_ACCESS_KEY: 'ak',
  MODELARTS_SECRET_KEY: 'sk',
};

it('names the default cap of 2 creates per second and both ways to raise it', () => {
  const line = budgetLine(DEFAULT_BUDGET);
  expect(line).toMatch(/^2 creates\/s and 10 reads\/s for the whole fleet /);
  expect(line).toContain('MODELARTS_BUDGET_WRITES_RPS=10');
  expect(line).toContain('modelarts-export budget set --class writes --rps 10');
  expect(line).not.toContain('\n');
});

it("takes the shell's budget variables to dev's worker, and says what is in force", () => {
  const env = { HOME: '/root', MODELARTS_BUDGET_WRITES_RPS: '10', MODELARTS_BUDGET_READS_RPS: 'unlimited' };
  expect(budgetEnv(env)).toEqual({ MODELARTS_BUDGET_WRITES_RPS: '10', MODELARTS_BUDGET_READS_RPS: 'unlimited' });
  const config = workerConfigFromEnv({ ...base, ...budgetEnv(env) });
  expect(budgetLine(config.tuning.budget)).toMatch(/^10 creates\/s and no limit on reads for the whole fleet/);
  expect(workerConfigFromEnv({ ...base, ...budgetEnv({}) }).tuning.budget).toEqual(DEFAULT_BUDGET);
});
