// Runs the extension-host suite (test/e2e/suite, bundled to out/e2e/suite by test/e2e/build.mjs)
// inside code-server, the way @vscode/test-electron runs it in a downloaded VS Code: the web
// workbench accepts ?payload=[["extensionDevelopmentPath",…],["extensionTestsPath",…]], loads the
// unpackaged extension into its Node extension host, awaits the suite's run() and then calls
// window.codeAutomationExit(code), which we expose from the page.
//
// usage: node test/e2e/run-code-server.mjs [--extension DIR] [--tests FILE]
//   --extension: the extension folder (default: the repository; needs out/ built)
//   --tests:     the suite entry (default: out/e2e/suite/index.cjs)
// Exit code 0 when every test passed, 1 otherwise. Not in CI (CI unset) and code-server or
// chromium missing: prints one line and exits 0.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, format } from 'node:util';
import { REPO, launchChromium, missingPrerequisite, startCodeServer } from './code-server.mjs';

const { values: args } = parseArgs({
    options: {
        extension: { type: 'string', default: REPO },
        tests: { type: 'string', default: path.join(REPO, 'out/e2e/suite/index.cjs') },
        timeout: { type: 'string', default: '300' }
    }
});
const extensionPath = path.resolve(args.extension);
const testsPath = path.resolve(args.tests);
const missing = missingPrerequisite();
if (missing) {
    if (process.env.CI) {
        console.error(`extension-host suite cannot run: ${missing}`);
        process.exit(1);
    }
    console.log(`skipped extension-host suite: ${missing}`);
    process.exit(0);
}
for (const file of [path.join(extensionPath, 'package.json'), testsPath]) {
    if (!fs.existsSync(file)) {
        console.error(`missing ${file} (run npm run build and node test/e2e/build.mjs)`);
        process.exit(1);
    }
}

const T0 = Date.now();
const report = path.join(fs.mkdtempSync(path.join(process.env.VMTOPO_E2E_RUN_ROOT ?? '/tmp', 'vmtopo-e2e-report-')), 'report.json');
const server = await startCodeServer({ env: { VMTOPO_E2E_REPORT: report } });
const browser = await launchChromium();
let code = 'no result';
try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // The extension host's console reaches the page console as printf-style args ('%c…', css, fmt, …).
    page.on('console', async message => {
        const values = await Promise.all(message.args().map(a => a.jsonValue().catch(() => '?')));
        const text = typeof values[0] === 'string' && values[0].startsWith('%c') && values.length >= 3
            ? format(...values.slice(2)) : (values.length ? format(...values) : message.text());
        if (/\bpassing\b|\bfailing\b|\bpending\b|✔|✓|^\s*\d+\) |\bError\b|AssertionError|skipped|^\s{2,}\S/.test(text) && !/vsda|open-vsx|ENOTFOUND|vscode\.git|fs-copyfile|extensions\/git\//.test(text)) {
            // (code-server 4.117's built-in git extension lacks @vscode/fs-copyfile, coder/code-server#7806: harmless noise)
            console.log(`[ext-host] ${text.slice(0, 2000)}`);
        }
    });
    const remote = p => `vscode-remote://127.0.0.1:${server.port}${p}`;
    const payload = [['extensionDevelopmentPath', remote(extensionPath)], ['extensionTestsPath', remote(testsPath)]];
    let exit;
    const exited = new Promise(resolve => { exit = resolve; });
    await page.exposeFunction('codeAutomationExit', c => exit(c));
    await page.goto(`${server.url}/?folder=${encodeURIComponent(server.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    code = await Promise.race([exited, new Promise(resolve => setTimeout(() => resolve('timeout'), Number(args.timeout) * 1000))]);
    if (code !== 0) {
        await page.screenshot({ path: path.join(server.shots, 'ext-host-failure.png') }).catch(() => {});
    }
} finally {
    await browser.close();
    await server.stop({ keep: code !== 0 });
}
if (fs.existsSync(report)) {
    const summary = JSON.parse(fs.readFileSync(report, 'utf8'));
    for (const t of summary.tests) {
        console.log(`  ${t.state === 'passed' ? 'ok  ' : t.state === 'pending' ? 'skip' : 'FAIL'} ${t.title}${t.durationMs !== undefined ? ` (${t.durationMs} ms)` : ''}`);
        if (t.error) console.log(t.error.split('\n').slice(0, 8).map(l => `       ${l}`).join('\n'));
    }
    console.log(`extension-host suite: ${summary.passes} passed, ${summary.failures} failed, ${summary.pending} skipped`);
    fs.rmSync(path.dirname(report), { recursive: true, force: true });
} else {
    console.log('extension-host suite: no report (the suite did not run; see the code-server log)');
    console.log(`  ${path.join(server.runDir, 'code-server.log')}`);
}
console.log(`extension-host suite finished with exit code ${code} after ${((Date.now() - T0) / 1000).toFixed(1)} s${code !== 0 ? ` (logs and screenshot kept in ${server.runDir})` : ''}`);
process.exit(code === 0 ? 0 : 1);
