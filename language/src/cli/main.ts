/**
 * Entry of the `vmtopo` CLI, bundled (esbuild.mjs) to `out/cli/main.mjs` with one chunk per command
 * and imported by `bin/vmtopo.js`. See `cli.ts` for the commands and exit codes.
 */
import { runCli } from './cli.js';

void runCli(process.argv).then(code => {
    process.exitCode = code;
});
