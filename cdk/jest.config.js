/**
 * Jest runs the TypeScript tests through ts-jest, transpiling only
 * (tsconfig.jest.json); `npm run build` type-checks them, and scripts/check.sh
 * runs it before jest.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }],
  },
  // Synthesizing a stack takes a second or two on a small machine.
  testTimeout: 60000,
};
