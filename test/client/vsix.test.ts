/**
 * The extension package as users install it: `vsce package --no-dependencies` (what `npm run
 * package` runs after the build) writes a .vsix, a zip read here with yauzl. It holds exactly the
 * files listed below — the two bundles, HiGHS' WebAssembly, the editor assets, README, CHANGELOG, LICENSE, the icon and
 * the rule docs (docs/rules.md, read offline) —
 * and nothing else: no source maps, sources, tests, examples or node_modules. Any other file fails
 * the test; add it here and to .vscodeignore only when the extension needs it at run time.
 * Needs out/ built (`npm test` builds first).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yauzl from 'yauzl';
import { findRuleDocs } from '../../language/src/rules/engine/links.js';
import { ALL_RULES } from '../../language/src/rules/index.js';

const REPO = path.resolve(__dirname, '../..');

/** Every file of the package, the exact set; a file not listed here fails the test. */
const EXPECTED = [
    '[Content_Types].xml',
    'extension.vsixmanifest',
    'extension/package.json',
    'extension/readme.md',
    'extension/changelog.md',
    'extension/LICENSE.txt',
    'extension/images/icon.png',
    // the rule docs, opened offline from a diagnostic's code link and "Explain this rule"
    'extension/docs/rules.md',
    'extension/language-configuration.json',
    'extension/syntaxes/vmtopo.tmLanguage.json',
    'extension/out/client/extension.cjs',
    'extension/out/server/main.cjs',
    // the topology view: its layout worker (elkjs) and the webview's script and style
    'extension/out/server/diagram-worker.cjs',
    // HiGHS (WebAssembly), the planner's exact model, loaded beside the server bundle
    'extension/out/server/highs.wasm',
    'extension/out/webview/topology.js',
    'extension/out/webview/topology.css'
].sort();

/** The whole package stays small: the bundles are about 10 MB unpacked and HiGHS' WebAssembly 3.5 MB, about 3.4 MB zipped. */
const MAX_VSIX_BYTES = 4 * 1024 * 1024;

/** name → uncompressed content of every entry of the zip at `file`. */
function readZip(file: string): Promise<Map<string, Buffer>> {
    return new Promise((resolve, reject) => {
        yauzl.open(file, { lazyEntries: true }, (err, zip) => {
            if (err || !zip) return reject(err ?? new Error('no zip'));
            const entries = new Map<string, Buffer>();
            zip.on('error', reject);
            zip.on('end', () => resolve(entries));
            zip.on('entry', (entry: yauzl.Entry) => {
                if (entry.fileName.endsWith('/')) return zip.readEntry();
                zip.openReadStream(entry, (streamErr, stream) => {
                    if (streamErr || !stream) return reject(streamErr ?? new Error('no stream'));
                    const chunks: Buffer[] = [];
                    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
                    stream.on('end', () => { entries.set(entry.fileName, Buffer.concat(chunks)); zip.readEntry(); });
                    stream.on('error', reject);
                });
            });
            zip.readEntry();
        });
    });
}

describe('the .vsix package (vsce package)', () => {
    let vsix: string;
    let entries: Map<string, Buffer>;
    const text = (name: string) => entries.get(name)?.toString('utf8') ?? '';

    beforeAll(async () => {
        for (const bundle of ['out/client/extension.cjs', 'out/server/main.cjs']) {
            if (!fs.existsSync(path.join(REPO, bundle))) {
                throw new Error(`${bundle} is missing: build first (npm run build, or node esbuild.mjs)`);
            }
        }
        vsix = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-vsix-')), 'vmtopo.vsix');
        // vsce 4 needs Node 22: run it on the Node running this test (npm scripts use the project's Node 22).
        const result = spawnSync(process.execPath, [path.join(REPO, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--out', vsix],
            { cwd: REPO, encoding: 'utf8' });
        expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
        entries = await readZip(vsix);
    }, 60_000);
    afterAll(() => {
        if (vsix) fs.rmSync(path.dirname(vsix), { recursive: true, force: true });
    });

    it('holds exactly the expected files: no source maps, sources, tests or node_modules', () => {
        expect([...entries.keys()].sort()).toEqual(EXPECTED);
        expect(fs.statSync(vsix).size).toBeLessThan(MAX_VSIX_BYTES);
    });

    it('ships a manifest with icon, licence, repository, categories and keywords, and the bundled entry point', () => {
        const manifest = JSON.parse(text('extension/package.json')) as Record<string, unknown> & {
            repository: { url: string }; categories: string[]; keywords: string[]; main: string; icon: string; license: string;
        };
        const source = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { name: string; version: string };
        expect(manifest.name).toBe(source.name);
        expect(manifest.version).toBe(source.version);
        expect(manifest.main).toBe('./out/client/extension.cjs');
        expect(entries.has(`extension/${manifest.main.replace(/^\.\//, '')}`)).toBe(true);
        expect(entries.has(`extension/${manifest.icon}`)).toBe(true);
        expect(manifest.license).toBe('MIT');
        expect(text('extension/LICENSE.txt')).toMatch(/^MIT License/);
        expect(manifest.repository.url).toMatch(/^https:\/\//);
        expect(manifest.categories).toContain('Programming Languages');
        expect(manifest.keywords.length).toBeGreaterThan(3);
        const vsixManifest = text('extension.vsixmanifest');
        expect(vsixManifest).toContain('<Icon>extension/images/icon.png</Icon>');
        expect(vsixManifest).toContain('<License>extension/LICENSE.txt</License>');
    });

    it('has a PNG icon of 128 × 128 pixels', () => {
        const png = entries.get('extension/images/icon.png')!;
        expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
        // IHDR: width and height, big-endian, at bytes 16-23
        expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([128, 128]);
    });

    it('has a README whose images are absolute URLs (relative ones break in the Marketplace and the editor)', () => {
        const readme = text('extension/readme.md');
        const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)/g), ...readme.matchAll(/<img[^>]*\bsrc="([^"]+)"/g)].map(m => m[1]);
        expect(images.length).toBeGreaterThan(0);
        expect(images.filter(src => !/^https:\/\//.test(src))).toEqual([]);
        expect(text('extension/changelog.md')).toMatch(/^# Changelog/);
    });

    it('ships docs/rules.md, with a section per rule, where the installed server finds it (offline rule docs)', () => {
        const docs = text('extension/docs/rules.md');
        expect(docs).toBe(fs.readFileSync(path.join(REPO, 'docs/rules.md'), 'utf8'));
        for (const rule of ALL_RULES) expect(docs, rule.id).toContain(`\n## ${rule.id}\n`);
        // Unpacked as VS Code installs it: the bundled server (extension/out/server/main.cjs) looks
        // upwards from its folder for docs/rules.md and links each diagnostic's code to it (rules/engine/links.ts).
        const installed = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-installed-'));
        try {
            for (const name of ['extension/out/server/main.cjs', 'extension/docs/rules.md']) {
                fs.mkdirSync(path.join(installed, path.dirname(name)), { recursive: true });
                fs.writeFileSync(path.join(installed, name), entries.get(name)!);
            }
            expect(findRuleDocs([path.join(installed, 'extension/out/server')])).toBe(path.join(installed, 'extension/docs/rules.md'));
        } finally {
            fs.rmSync(installed, { recursive: true, force: true });
        }
    });

    it('has self-contained bundles: they require only Node built-ins and vscode', () => {
        const allowed = new Set([...builtinModules, ...builtinModules.map(m => `node:${m}`), 'vscode']);
        for (const bundle of ['extension/out/client/extension.cjs', 'extension/out/server/main.cjs', 'extension/out/server/diagram-worker.cjs']) {
            const required = new Set([...text(bundle).matchAll(/\brequire\("([^"]+)"\)/g)].map(m => m[1]));
            expect([...required].filter(id => !allowed.has(id)), bundle).toEqual([]);
        }
        expect(text('extension/out/server/main.cjs')).not.toContain('require("vscode")');
    });
});
