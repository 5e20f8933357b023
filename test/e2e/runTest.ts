/**
 * Runs the extension-host suite in a downloaded VS Code with `@vscode/test-electron`, for machines
 * that can reach update.code.visualstudio.com (these build machines cannot: there,
 * test/e2e/run-code-server.mjs runs the same suite inside code-server).
 *
 * usage: npm run test:e2e:electron   (builds, then node out/e2e/runTest.cjs)
 * Opens a throw-away copy of examples/ as the workspace; VSCODE_VERSION picks the VS Code
 * version (default: stable).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
    const repo = path.resolve(__dirname, '../..');
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-e2e-ws-'));
    for (const file of fs.readdirSync(path.join(repo, 'examples')).filter(f => f.endsWith('.vmtopo'))) {
        fs.copyFileSync(path.join(repo, 'examples', file), path.join(workspace, file));
    }
    try {
        await runTests({
            version: process.env.VSCODE_VERSION,
            extensionDevelopmentPath: repo,
            extensionTestsPath: path.join(repo, 'out/e2e/suite/index.cjs'),
            launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes']
        });
    } finally {
        fs.rmSync(workspace, { recursive: true, force: true });
    }
}

main().catch(err => {
    console.error(`extension-host suite failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
});
