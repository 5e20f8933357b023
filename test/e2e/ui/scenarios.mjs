// UI smoke scenarios: the packaged extension (.vsix) installed into code-server (a stock VS Code
// 1.117 workbench) and driven through its real UI in headless Debian Chromium with playwright-core:
//   1. open examples/misconfigured.vmtopo; the LOC001 diagnostic shows in the Problems panel;
//   2. Ctrl+. on it offers the pinning quick-fix; Enter applies it; the diagnostic goes away;
//   3. Ctrl+Space inside a `vgpu` clause lists the GPU's vGPU types;
//   4. "vmtopo: Export libvirt XML" from the command palette writes the domain XML of the VM at the
//      cursor (virt-xml-validate passes) and says so in a notification.
// Screenshots: on failure (failure-<scenario>.png in the run dir, path printed); with --docs, the
// passing steps are also saved as docs/ui-*.png for the README.
//
// usage: node test/e2e/ui/scenarios.mjs [--vsix FILE] [--docs]
//   --vsix: default vmtopo-<version>.vsix in the repository (npm run package writes it).
// Exit code 0 when all scenarios pass. Not in CI and code-server or chromium missing: one line, exit 0.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO, launchChromium, missingPrerequisite, startCodeServer } from '../code-server.mjs';

const { version } = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
const { values: args } = parseArgs({
    options: {
        vsix: { type: 'string', default: path.join(REPO, `vmtopo-${version}.vsix`) },
        docs: { type: 'boolean', default: false }
    }
});
const missing = missingPrerequisite() ?? (fs.existsSync(args.vsix) ? undefined : `${args.vsix} is missing (npm run package)`);
if (missing) {
    if (process.env.CI) {
        console.error(`UI scenarios cannot run: ${missing}`);
        process.exit(1);
    }
    console.log(`skipped UI scenarios: ${missing}`);
    process.exit(0);
}

const T0 = Date.now();
const step = text => console.log(`[${((Date.now() - T0) / 1000).toFixed(1)}s] ${text}`);
const server = await startCodeServer({ vsix: [args.vsix], log: step });
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
page.setDefaultTimeout(20_000);
const results = [];

/** Saves a screenshot into the run dir and, with --docs, as docs/ui-<name>.png. */
async function shot(name) {
    await page.screenshot({ path: path.join(server.shots, `${name}.png`) });
    if (args.docs) {
        await page.screenshot({ path: path.join(REPO, 'docs', `ui-${name}.png`) });
    }
}

/** Runs a command from the palette, clicking the row whose label is exactly `title` (Enter would take the top fuzzy match). */
async function runCommand(title) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible' });
    await input.fill('>' + title);
    const exact = new RegExp('^' + title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$');
    const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
    try {
        await row.waitFor({ timeout: 10_000 });
    } catch (err) {
        const shown = await page.locator('.quick-input-list .monaco-list-row .label-name').allInnerTexts();
        throw new Error(`no command "${title}" in the palette; it lists: ${shown.slice(0, 10).join(' | ')}`, { cause: err });
    }
    await row.click();
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** The text area of the editor part (VS Code 1.117 has another in the chat panel). */
async function focusEditor() {
    const editor = page.locator('.part.editor .monaco-editor').first();
    await editor.locator('textarea, .native-edit-context').first().focus();
}

/** Moves the cursor with "Go to Line/Column" (1-based line and column). */
async function goTo(line, column) {
    await focusEditor();
    await page.keyboard.press('Control+g');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`:${line}:${column}`);
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** Opens `name` from the explorer; waits for its tab to be active and for `firstText` (on its first screen) when it was not open. */
async function openFile(name, firstText) {
    const tab = page.locator('.part.editor .tab.active', { hasText: name });
    const wasOpen = await page.locator('.part.editor .tab', { hasText: name }).count() > 0;
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first().click();
    await tab.waitFor();
    if (!wasOpen) {
        await page.locator('.part.editor .monaco-editor .view-lines', { hasText: firstText }).first().waitFor();
    }
}

async function scenario(name, body) {
    const t0 = Date.now();
    try {
        await body();
        results.push({ name, ok: true, ms: Date.now() - t0 });
        step(`PASS ${name} (${Date.now() - t0} ms)`);
    } catch (err) {
        const file = path.join(server.shots, `failure-${name.replace(/\W+/g, '-')}.png`);
        await page.screenshot({ path: file }).catch(() => {});
        results.push({ name, ok: false, ms: Date.now() - t0 });
        step(`FAIL ${name}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n    screenshot: ${file}`);
        await page.keyboard.press('Escape').catch(() => {});
    }
}

try {
    await page.goto(`${server.url}/?folder=${encodeURIComponent(server.workspace)}`);
    await page.waitForSelector('.monaco-workbench');
    await page.waitForSelector('.explorer-folders-view .monaco-list-row');
    step('workbench and explorer visible');

    const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'LOC001' }).filter({ hasText: 'train' }).first();

    await scenario('diagnostic in the Problems panel', async () => {
        await openFile('misconfigured.vmtopo', 'host kvm01');
        await runCommand('View: Toggle Problems');
        // the panel lists errors first; filter it to the rule so the warning's row is rendered
        const filter = page.getByPlaceholder(/^Filter \(e\.g\./).first();
        for (let attempt = 0; ; attempt++) {         // the panel may still be laying out: fill again if needed
            await filter.waitFor({ state: 'visible' });
            await filter.fill('LOC001');
            try {
                await problem.waitFor({ timeout: 10_000 });
                break;
            } catch (err) {
                if (attempt >= 2) throw err;
            }
        }
        step(`Problems panel: ${(await problem.innerText()).replace(/\s+/g, ' ').slice(0, 160)}`);
        await shot('problems');
    });

    await scenario('quick-fix with Ctrl+.', async () => {
        await problem.click();                       // reveals the range in the editor, cursor on it
        await focusEditor();
        const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'Re-pin train to NUMA 0' });
        for (let attempt = 0; ; attempt++) {          // code actions are computed asynchronously
            await page.keyboard.press('Control+.');
            try {
                await fix.waitFor({ timeout: 3000 });
                break;
            } catch (err) {
                if (attempt >= 5) throw err;
                await page.keyboard.press('Escape');
                await focusEditor();
            }
        }
        await shot('quickfix');
        await fix.focus().catch(() => {});
        // Enter applies the focused action; clicks are blocked by .context-view-pointerBlock
        while (!(await page.locator('.action-widget .monaco-list-row.focused', { hasText: 'Re-pin train to NUMA 0' }).count())) {
            await page.keyboard.press('ArrowDown');
        }
        await page.keyboard.press('Enter');
        await problem.waitFor({ state: 'detached' });
        await page.locator('.part.editor .view-lines', { hasText: 'vcpus 8 pin 0-3,32-35' }).first().waitFor({ timeout: 5000 })
            .catch(() => { /* exact CPUs are the fix's choice; the marker being gone is the check */ });
        await runCommand('File: Revert File');
    });

    await scenario('completion inside a vgpu clause', async () => {
        await openFile('hgx-h200.vmtopo', 'host sprocket');
        const lines = fs.readFileSync(path.join(server.workspace, 'hgx-h200.vmtopo'), 'utf8').split('\n');
        const line = lines.findIndex(l => l.includes('vgpu gpu6 "H200X-1-18C"'));
        if (line < 0) throw new Error('the example has no vgpu gpu6 clause');
        const column = lines[line].indexOf('H200X-1-18C') + 1;
        await goTo(line + 1, column);
        for (let i = 0; i < 'H200X-1-18C'.length; i++) await page.keyboard.press('Shift+ArrowRight');
        await page.keyboard.press('Backspace');
        await page.keyboard.press('Control+Space');
        const item = page.locator('.suggest-widget .monaco-list-row', { hasText: 'H200X-1-18C' }).first();
        try {
            await item.waitFor({ timeout: 10_000 });
            const labels = await page.locator('.suggest-widget .monaco-list-row').evaluateAll(rows => rows.map(r => r.getAttribute('aria-label') ?? r.textContent));
            step(`completions: ${labels.slice(0, 6).join(' | ')}`);
            await shot('completion');
        } finally {
            await page.keyboard.press('Escape');
            await runCommand('File: Revert File');
        }
    });

    await scenario('export from the command palette', async () => {
        await openFile('hgx-h200.vmtopo', 'host sprocket');
        const lines = fs.readFileSync(path.join(server.workspace, 'hgx-h200.vmtopo'), 'utf8').split('\n');
        const line = lines.findIndex(l => l.startsWith('vm tenant-c on sprocket'));
        await goTo(line + 2, 5);                      // inside tenant-c: the export takes the VM at the cursor
        const file = path.join(server.workspace, 'out', 'tenant-c.domain.xml');
        fs.rmSync(file, { force: true });
        await runCommand('vmtopo: Export libvirt XML');
        const notification = page.locator('.notifications-toasts .notification-toast', { hasText: 'wrote 1 libvirt domain XML' }).first();
        await notification.waitFor();
        for (let i = 0; i < 100 && !fs.existsSync(file); i++) await new Promise(r => setTimeout(r, 100));
        if (!fs.existsSync(file)) throw new Error(`${file} was not written`);
        const validate = spawnSync('virt-xml-validate', [file, 'domain'], { encoding: 'utf8' });
        if (validate.status !== 0) throw new Error(`virt-xml-validate: ${validate.stdout}${validate.stderr}`);
        step(`export wrote ${path.relative(server.workspace, file)}; virt-xml-validate: ${`${validate.stdout}${validate.stderr}`.trim()}`);
        await shot('export');
    });
} finally {
    await browser.close();
    await server.stop({ keep: results.length !== 4 || results.some(r => !r.ok) });
}
const failed = results.filter(r => !r.ok);
console.log(`UI scenarios: ${results.length - failed.length} passed, ${failed.length} failed in ${((Date.now() - T0) / 1000).toFixed(1)} s${failed.length ? ` (logs and screenshots kept in ${server.runDir})` : ''}`);
process.exit(failed.length === 0 && results.length === 4 ? 0 : 1);
