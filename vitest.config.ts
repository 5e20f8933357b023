import { defineConfig } from 'vitest/config';

export default defineConfig({
    test: {
        include: ['test/**/*.test.ts'],
        // The machine has 2 cores; the LSP and CLI tests spawn processes of their own.
        maxWorkers: 2,
        testTimeout: 30_000
    }
});
