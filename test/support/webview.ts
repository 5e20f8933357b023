/**
 * The topology webview in a browser, for the tests of test/client: the page of
 * client/topology/html.ts (strict CSP with a nonce) with the bundled script and stylesheet
 * (out/webview/), loaded from a temporary folder in headless Debian Chromium driven by playwright-core
 * (no browser download: `executablePath` /usr/bin/chromium). Only the host bridge
 * `acquireVsCodeApi` is stubbed ({@link installHostBridge}); the extension's messages arrive as
 * `window.postMessage`, as VS Code delivers them ({@link sendToPage}).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildWorkspace, REPO } from './util.js';
import { documentDiagnostics, renderDiagram, sourceInfo, type DiagramRequest } from '../../language/src/features/diagram/index.js';
import { requestsOf } from '../../language/src/features/plan/index.js';
import { isModel } from '../../language/src/generated/ast.js';
import { topologyHtml } from '../../client/topology/html.js';
import type { FromWebview, ToWebview } from '../../client/topology/messages.js';
import type { TopologyResult } from '../../language/src/protocol.js';

/** Debian's chromium package. */
export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = fs.existsSync(CHROMIUM);
/** Where screenshots go. */
export const ARTIFACTS = path.join(REPO, 'out', 'test-artifacts');
const WEBVIEW = path.join(REPO, 'out', 'webview');
const SCRIPT = path.join(WEBVIEW, 'topology.js');
/** The nonce of the test page's CSP (base64, as VS Code's are). */
const NONCE = 'dGVzdC1ub25jZS0xMjM0NTY=';

/**
 * Whether a test file drives Chromium: not where /usr/bin/chromium is absent, outside CI (one
 * line on the console says so); in CI a missing browser fails the file instead.
 */
export function runsInChromium(file: string): boolean {
    const runs = HAS_CHROMIUM || !!process.env.CI;
    if (!runs) console.warn(`${file}: /usr/bin/chromium not installed (Debian chromium): skipped`);
    return runs;
}

/** Builds out/webview when missing or older than client/topology. */
export function ensureWebviewBundle(): void {
    let newest = 0;
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, e.name);
            if (e.isDirectory()) walk(full); else newest = Math.max(newest, fs.statSync(full).mtimeMs);
        }
    };
    walk(path.join(REPO, 'client', 'topology'));
    if (!fs.existsSync(SCRIPT) || fs.statSync(SCRIPT).mtimeMs < newest) execFileSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'pipe' });
}

/** The language server's answer for `files`: renderDiagram of the resolved workspace with its request blocks (`request`: viewport, host…). */
export async function diagramOf(files: Record<string, string>, request?: DiagramRequest): Promise<TopologyResult> {
    const ws = await buildWorkspace(files);
    const resolved = ws.resolved();
    const docs = ws.services.vmtopo.documentation.DocumentationProvider;
    const all = ws.services.shared.workspace.LangiumDocuments.all;
    return renderDiagram(resolved.topology, sourceInfo(resolved, n => docs.getDocumentation(n)),
        documentDiagnostics(all), { requests: requestsOf(all.map(d => d.parseResult.value).filter(isModel).toArray()), ...request });
}

/** A started browser on the webview page: `url` is the page, `close()` ends the browser and removes the folder. */
export interface WebviewBrowser {
    context: BrowserContext;
    url: string;
    close(): Promise<void>;
}

/**
 * The hang watchdog of every wait on a page (selectors, functions, clicks): generous, so that a
 * busy CI machine never fails a wait that would have succeeded; well under the test's own limit
 * (120 s, vitest.config.ts). No test measures how fast the page is.
 */
export const WATCHDOG_MS = 60_000;

/**
 * Builds the bundle when stale, writes the page (index.html, topology.js, topology.css) into a new
 * temporary folder named after `prefix`, and starts headless Chromium (a 1400 × 1000 viewport)
 * with its profile in that folder; every wait on its pages is bounded by {@link WATCHDOG_MS}.
 */
export async function startWebviewBrowser(prefix: string): Promise<WebviewBrowser> {
    ensureWebviewBundle();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    try {
        fs.copyFileSync(SCRIPT, path.join(dir, 'topology.js'));
        fs.copyFileSync(path.join(WEBVIEW, 'topology.css'), path.join(dir, 'topology.css'));
        fs.writeFileSync(path.join(dir, 'index.html'), topologyHtml({ cspSource: 'file:', nonce: NONCE, scriptUri: 'topology.js', styleUri: 'topology.css' }));
        const context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
            executablePath: CHROMIUM,
            headless: true,
            args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                '--disable-component-update', '--disable-sync'],
            viewport: { width: 1400, height: 1000 }
        });
        context.setDefaultTimeout(WATCHDOG_MS);
        return {
            context,
            url: `file://${path.join(dir, 'index.html')}`,
            close: async () => {
                await context.close();
                fs.rmSync(dir, { recursive: true, force: true });
            }
        };
    } catch (err) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw err;
    }
}

/**
 * Stubs the host bridge VS Code injects into webviews, before the page's script runs: what the
 * page posts is kept in `window.__posted` ({@link postedBy}), its state in `window.__state`, and
 * each CSP violation as `directive blockedURI` in `window.__csp`.
 */
export async function installHostBridge(page: Page): Promise<void> {
    await page.addInitScript(() => {
        const w = window as unknown as { __posted: unknown[]; __state: unknown; __csp: string[]; acquireVsCodeApi: () => unknown };
        w.__posted = [];
        w.__csp = [];
        document.addEventListener('securitypolicyviolation', e => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
        w.acquireVsCodeApi = () => ({
            postMessage: (m: unknown) => { w.__posted.push(m); },
            getState: () => w.__state,
            setState: (s: unknown) => { w.__state = s; }
        });
    });
}

/**
 * A page of `browser` showing the webview, ready (its `ready` message posted): the host bridge
 * installed ({@link installHostBridge}), every page error and console error appended to `errors`.
 * `fresh`: a new page (else the context's first one), of `viewport` when given.
 */
export async function openWebviewPage(browser: WebviewBrowser, errors: string[], options: { fresh?: boolean; viewport?: { width: number; height: number } } = {}): Promise<Page> {
    const page = (options.fresh ? undefined : browser.context.pages()[0]) ?? await browser.context.newPage();
    if (options.viewport) await page.setViewportSize(options.viewport);
    page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', e => errors.push(e.message));
    await installHostBridge(page);
    await page.goto(browser.url);
    await waitForReady(page);
    return page;
}

/** Everything the page has posted to the extension so far, oldest first. */
export function postedBy(page: Page): Promise<FromWebview[]> {
    return page.evaluate(() => (window as unknown as { __posted: FromWebview[] }).__posted);
}

/** Delivers a message of the extension to the page. */
export function sendToPage(page: Page, message: ToWebview): Promise<void> {
    return page.evaluate(m => window.postMessage(m, '*'), message);
}

/** Waits until the page has posted `ready`. */
export async function waitForReady(page: Page): Promise<void> {
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some(m => m.type === 'ready'));
}
