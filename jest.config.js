/** Jest runs our TypeScript as native ES modules (ts-jest ESM preset); see README "Development". */
const esm = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } }],
  },
};

export default {
  projects: [
    { ...esm, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    // The ModelArts client against the simulator over real HTTP (no Temporal needed).
    { ...esm, displayName: 'modelarts', testMatch: ['<rootDir>/test/modelarts/**/*.test.ts'] },
    {
      ...esm,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    // Workflow behaviour in an in-process worker with stub activities (fast; needs only the dev server).
    {
      ...esm,
      displayName: 'workflows',
      testMatch: ['<rootDir>/test/workflows/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    // The native production stack (`npm run test:stack`): PostgreSQL, temporal-server, UI, 3 workers.
    { ...esm, displayName: 'stack', testMatch: ['<rootDir>/test/stack/**/*.test.ts'] },
  ],
  // Integration tests wait on real timers and real processes.
  testTimeout: 120_000,
  maxWorkers: 2,
};
