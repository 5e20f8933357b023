/**
 * Entry of the `vmtopo` CLI, bundled to `out/cli/main.cjs` and started by `bin/vmtopo.js`.
 * See `cli.ts` for the commands and exit codes.
 */
import { runCli } from './cli.js';

void runCli(process.argv).then(code => {
    process.exitCode = code;
});
