import { defineConfig } from 'vitest/config';

export default defineConfig({
    test: {
        include: ['test/**/*.test.ts'],
        // test/e2e/suite runs in a VS Code extension host with mocha (npm run test:e2e), not in vitest.
        exclude: ['**/node_modules/**', 'test/e2e/**'],
        // The machine has 2 cores; the LSP and CLI tests spawn processes of their own.
        maxWorkers: 2,
        testTimeout: 30_000
    }
});
