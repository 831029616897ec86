/** Jest runs the TypeScript tests directly through ts-jest (type-checked). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  // Synthesizing a stack takes a second or two on a small machine.
  testTimeout: 60000,
};
