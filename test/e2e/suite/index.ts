/**
 * Entry point of the extension-host suite, in the shape `@vscode/test-electron` expects: the
 * extension host loads this file (`extensionTestsPath`) and awaits `run()`, whose rejection makes
 * the test run fail. The same file runs inside code-server (test/e2e/run-code-server.mjs), where
 * the workbench reports the outcome through `codeAutomationExit`.
 *
 * Mocha (bdd) runs every `*.test.cjs` bundled beside this file (test/e2e/build.mjs). When
 * `VMTOPO_E2E_REPORT` names a file, a JSON summary `{ passes, failures, pending, tests: [{ title,
 * state, error? }] }` is written there too, so a runner need not scrape the console.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

interface TestRecord { title: string; state: 'passed' | 'failed' | 'pending'; durationMs?: number; error?: string }

export async function run(): Promise<void> {
    const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, reporter: 'spec' });
    const files = fs.readdirSync(__dirname).filter(f => f.endsWith('.test.cjs')).sort();
    for (const file of files) {
        mocha.addFile(path.join(__dirname, file));
    }
    const records: TestRecord[] = [];
    const failures = await new Promise<number>((resolve, reject) => {
        try {
            const runner = mocha.run(count => resolve(count));
            runner.on('pass', t => records.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration }));
            runner.on('fail', (t, err: Error) => records.push({ title: t.fullTitle(), state: 'failed', error: err?.stack ?? String(err) }));
            runner.on('pending', t => records.push({ title: t.fullTitle(), state: 'pending' }));
        } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
        }
    });
    const report = process.env.VMTOPO_E2E_REPORT;
    if (report) {
        fs.writeFileSync(report, JSON.stringify({
            passes: records.filter(r => r.state === 'passed').length,
            failures,
            pending: records.filter(r => r.state === 'pending').length,
            tests: records
        }, null, 2));
    }
    if (files.length === 0) {
        throw new Error(`no *.test.cjs beside ${__dirname}; run node test/e2e/build.mjs first`);
    }
    if (failures > 0) {
        throw new Error(`${failures} extension-host test(s) failed`);
    }
}
