import { defineConfig } from 'vitest/config';

/**
 * The long layers: not in `npm test` (which must stay short on a 2-core machine), run by
 * `npm run test:slow` as a named step of .ci/run. Each with why it is here.
 */
const SLOW = [
    // 2,400 generated documents and the big inputs through the whole fuzz pipeline (npm test runs 120 of them).
    'test/fuzz/slice-long.test.ts',
    // Headless Chromium driving the topology webview.
    'test/client/webview-topology.test.ts',
    // The topology webview at three panel sizes in headless Chromium (Fit, label sizes, semantic zoom).
    'test/client/webview-topology-sizes.test.ts',
    // The topology webview's Capacity toggle and NCCL path labels in headless Chromium.
    'test/client/webview-topology-capacity.test.ts'
];

export default defineConfig({
    test: {
        // The machine has 2 cores; the LSP and CLI tests spawn processes of their own.
        maxWorkers: 2,
        // A hang watchdog, not a bound on speed: a test that has not finished after 2 minutes is stuck
        // (the slowest test needs a few seconds on a quiet machine, about three times that under full load).
        testTimeout: 120_000,
        hookTimeout: 120_000,
        projects: [
            {
                extends: true,
                test: {
                    // `npm test`
                    name: 'unit',
                    include: ['test/**/*.test.ts'],
                    // test/e2e/suite runs in a VS Code extension host with mocha (npm run test:e2e), not in vitest.
                    exclude: ['**/node_modules/**', 'test/e2e/**', ...SLOW]
                }
            },
            {
                extends: true,
                test: {
                    // `npm run test:slow`
                    name: 'slow',
                    include: SLOW
                }
            }
        ]
    }
});
