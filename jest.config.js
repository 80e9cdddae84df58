// Timezone UTC unless TEST_TZ names another: CI runs the time-sensitive tests in a second zone too (.ci/run)
// generally used by snapshots, but can affect specific tests
process.env.TZ = process.env.TEST_TZ || 'UTC';
// The worker scripts are bundled with esbuild's buildSync when run from the sources; each test file loads esbuild
// anew, and each copy would keep its own buildSync thread for the rest of the jest worker's life: run it as a child
// process instead, which ends with each build.
process.env.ESBUILD_WORKER_THREADS = '0';

// Jest configuration provided by Grafana scaffolding
const base = require('./.config/jest.config');

// d3-color and others ship only .mjs: transform those with the scaffold's swc settings too.
const swc = base.transform['^.+\\.(t|j)sx?$'];
const transform = { ...base.transform, '^.+\\.mjs$': swc };

module.exports = {
  projects: [
    // The frontend plugin (src/), in jsdom as the scaffold sets it up.
    { ...base, displayName: 'frontend', transform },
    // The backend engine, doors and cross-checks (pkg/, test/), in Node.
    {
      displayName: 'backend',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/pkg/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    },
  ],
};
