// Starts code-server (installed by test/e2e/install-code-server.sh) with a throw-away profile on
// 127.0.0.1, and opens headless Debian Chromium on it with playwright-core. Shared by the
// extension-host runner (run-code-server.mjs) and the UI scenarios (ui/scenarios.mjs).
// Recipe and pitfalls: reference vscode-e2e.md ("Real end-to-end tests ... offline").
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CODE_SERVER_VERSION = '4.117.0';

/** The code-server tool folder: $VMTOPO_CODE_SERVER_DIR or ~/.cache/vmtopo-code-server/<version>. */
export function codeServerDir() {
    return process.env.VMTOPO_CODE_SERVER_DIR ?? path.join(os.homedir(), '.cache/vmtopo-code-server', CODE_SERVER_VERSION);
}

/** Debian's chromium (or $VMTOPO_CHROMIUM). */
export function chromiumPath() {
    return process.env.VMTOPO_CHROMIUM ?? '/usr/bin/chromium';
}

/** Why these tests cannot run here (code-server or chromium missing), or undefined. */
export function missingPrerequisite() {
    if (!fs.existsSync(path.join(codeServerDir(), '.installed'))) {
        return `code-server is not installed in ${codeServerDir()} (run test/e2e/install-code-server.sh)`;
    }
    if (!fs.existsSync(chromiumPath())) {
        return `${chromiumPath()} is missing (apt-get install chromium)`;
    }
    return undefined;
}

const freePort = () => new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address();
        server.close(() => resolve(port));
    }).on('error', reject);
});

const USER_SETTINGS = {
    'workbench.startupEditor': 'none',
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'workbench.enableExperiments': false,
    'workbench.tips.enabled': false,
    'chat.commandCenter.enabled': false,
    'chat.disableAIFeatures': true,
    'git.enabled': false,
    // the scenarios edit the examples and revert them; an auto-save would keep the edits
    'files.autoSave': 'off',
    // Only the language server's completions: the editor's word-based ones would offer any word of the open files.
    'editor.wordBasedSuggestions': 'off',
    'workbench.secondarySideBar.defaultVisibility': 'hidden'
};

/**
 * Starts code-server. `vsix`: extension packages to install first. The workspace is a fresh copy
 * of examples/*.vmtopo. Returns `{ url, workspace, runDir, shots, env, stop() }`; `env` is what
 * the server (and so the extension host) runs with.
 */
export async function startCodeServer({ vsix = [], env: extraEnv = {}, log = console.log } = {}) {
    const missing = missingPrerequisite();
    if (missing) {
        throw new Error(missing);
    }
    const dir = codeServerDir();
    const node = path.join(dir, 'node/bin/node');
    const entry = path.join(dir, 'node_modules/code-server/out/node/entry.js');
    const runDir = fs.mkdtempSync(path.join(process.env.VMTOPO_E2E_RUN_ROOT ?? os.tmpdir(), 'vmtopo-cs-'));
    const dirs = { ud: path.join(runDir, 'user-data'), ext: path.join(runDir, 'extensions'), workspace: path.join(runDir, 'ws'), shots: path.join(runDir, 'shots'), home: path.join(runDir, 'home') };
    for (const d of Object.values(dirs)) {
        fs.mkdirSync(d, { recursive: true });
    }
    fs.mkdirSync(path.join(dirs.ud, 'User'), { recursive: true });
    fs.writeFileSync(path.join(dirs.ud, 'User/settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
    for (const file of fs.readdirSync(path.join(REPO, 'examples')).filter(f => f.endsWith('.vmtopo'))) {
        fs.copyFileSync(path.join(REPO, 'examples', file), path.join(dirs.workspace, file));
    }
    // code-server and Chromium write config, logs and crash reports under XDG_*: keep them in the run dir
    const env = {
        ...process.env,
        XDG_CONFIG_HOME: path.join(dirs.home, '.config'),
        XDG_DATA_HOME: path.join(dirs.home, '.local/share'),
        XDG_CACHE_HOME: path.join(dirs.home, '.cache'),
        ...extraEnv
    };
    const common = ['--config', path.join(runDir, 'config.yaml'), '--user-data-dir', dirs.ud, '--extensions-dir', dirs.ext];
    for (const file of vsix) {
        const t0 = Date.now();
        execFileSync(node, [entry, ...common, '--install-extension', path.resolve(file)], { env, stdio: 'pipe' });
        log(`[code-server] installed ${path.basename(file)} in ${Date.now() - t0} ms`);
    }
    const port = await freePort();
    const t0 = Date.now();
    const logFile = fs.openSync(path.join(runDir, 'code-server.log'), 'w');
    const child = spawn(node, [entry, ...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
        '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
        '--disable-getting-started-override', '--ignore-last-opened'], { env, stdio: ['ignore', logFile, logFile] });
    let exited = false;
    child.on('exit', () => { exited = true; });
    const url = `http://127.0.0.1:${port}`;
    for (;;) {
        if (exited) {
            throw new Error(`code-server exited at start:\n${fs.readFileSync(path.join(runDir, 'code-server.log'), 'utf8')}`);
        }
        try {
            if ((await fetch(`${url}/healthz`)).ok) break;
        } catch { /* not listening yet */ }
        if (Date.now() - t0 > 60_000) {
            child.kill();
            throw new Error('code-server did not answer /healthz within 60 s');
        }
        await new Promise(resolve => setTimeout(resolve, 100));
    }
    log(`[code-server] ${CODE_SERVER_VERSION} ready on ${url} in ${Date.now() - t0} ms (run dir ${runDir})`);
    return {
        url, port, runDir, workspace: dirs.workspace, shots: dirs.shots, env,
        /** Stops the server; removes the run dir unless `keep` (failures: logs and screenshots) or VMTOPO_E2E_KEEP is set. */
        async stop({ keep = false } = {}) {
            if (!exited) {
                child.kill('SIGTERM');
                await new Promise(resolve => { child.once('exit', resolve); setTimeout(resolve, 5000); });
            }
            fs.closeSync(logFile);
            if (!keep && !process.env.VMTOPO_E2E_KEEP) {
                fs.rmSync(runDir, { recursive: true, force: true });
            }
        }
    };
}

/** Headless Debian Chromium through playwright-core (flags from the recipe). */
export async function launchChromium() {
    const { chromium } = await import('playwright-core');
    return chromium.launch({
        executablePath: chromiumPath(),
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']
    });
}
