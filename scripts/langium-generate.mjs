#!/usr/bin/env node
/**
 * `langium generate`, without its warnings about clause lists (`npm run langium:generate`).
 *
 * The grammar lists the clauses of a host, socket, switch, device and VM as `( 'memory' memory=Size
 * | … )*`, so that clauses may come in any order; Langium warns for each such property that it could
 * be assigned twice ("Found multiple assignments to 'memory' with the '=' assignment operator"), and likewise for the
 * flag clauses written `p2p?='p2p'` ("… with the '?=' assignment operator").
 * That is intended: rule SYN006 reports a clause given twice, where the user wrote it. Exactly those
 * warning lines are left out; every other line (errors, other warnings) is shown, and the exit code
 * is langium's.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../node_modules/langium-cli/bin/langium.js', import.meta.url));
const run = spawnSync(process.execPath, [cli, 'generate', ...process.argv.slice(2)], { encoding: 'utf8' });
const intended = /^\S+\.langium:\d+:\d+ - Found multiple assignments to '\w+' with the '\??=' assignment operator\. Consider using '\+=' instead to prevent data loss\.$/;
for (const [stream, text] of [[process.stdout, run.stdout], [process.stderr, run.stderr]]) {
    const kept = (text ?? '').split('\n').filter(line => !intended.test(line.replace(/\u001b\[[0-9;]*m/g, '')));
    stream.write(kept.join('\n'));
}
if (run.error) {
    process.stderr.write(`langium generate could not run: ${run.error.message}\n`);
}
process.exitCode = run.status ?? 1;
