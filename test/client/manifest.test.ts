/**
 * The VS Code extension as packaged: the manifest (package.json) points at the bundled client,
 * activates on vmtopo files, declares one export command per format of the export-format registry
 * where users look for them (editor context menu and title for vmtopo files, the palette only in
 * vmtopo editors) — generated from the registry by `npm run docs`, as is the client's list of
 * export-command descriptors — ships a grammar and a language configuration that exist and parse,
 * and targets a VS Code whose extension host runs Node 22. The client bundles (esbuild, `vscode`
 * left external) and exports activate/deactivate. The client's pure helpers (output folder) are
 * tested at the end.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import * as vm from 'node:vm';
import * as esbuild from 'esbuild';
import { resolveOutputFolder } from '../../client/output-folder.js';
import { EXPORT_COMMANDS } from '../../client/commands/export-formats.js';
import { EXPORT_FORMATS } from '../../language/src/features/export/formats.js';
import { INDENT_UNIT } from '../../language/src/editor/formatter.js';
import { CLIENT_DESCRIPTORS_FILE, GENERATE_COMMAND, clientDescriptorsSource, withExportContributions } from '../../language/src/features/export/contributions.js';

const REPO = path.resolve(__dirname, '../..');
const read = (relative: string): string => fs.readFileSync(path.join(REPO, relative), 'utf8');

interface MenuItem { command: string; when?: string; group?: string }
interface Manifest {
    main: string;
    engines: { vscode: string; node: string };
    activationEvents: string[];
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
    contributes: {
        languages: Array<{ id: string; extensions: string[]; aliases: string[]; configuration: string }>;
        grammars: Array<{ language: string; scopeName: string; path: string }>;
        commands: Array<{ command: string; title: string; category?: string }>;
        menus: Record<string, MenuItem[]>;
        configuration: { properties: Record<string, { type: string; default: unknown }> };
    };
}

const manifest = JSON.parse(read('package.json')) as Manifest;
/** The commands on vmtopo files: one export command per format of the registry, and the topology view. */
const FILE_COMMANDS: Record<string, string> = {
    ...Object.fromEntries(EXPORT_FORMATS.map(f => [f.command.id, `vmtopo: ${f.command.title}`])),
    // The topology view (client/topology/panel.ts).
    'vmtopo.showTopology': 'vmtopo: Show Topology',
    // The libvirt export merged into the user's domain (ExportIntoCommand, client/commands/export-command.ts).
    'vmtopo.mergeLibvirtDomain': 'vmtopo: Export libvirt Domain Into…'
};
const stale = (file: string) => `${file} is out of date with the export-format registry: run \`${GENERATE_COMMAND}\` and commit the result`;

/** `^1.101.0` / `~10.1.2` / `10.1.2` → [major, minor, patch]. */
function version(range: string): [number, number, number] {
    const m = /(\d+)\.(\d+)\.(\d+)/.exec(range);
    expect(m, range).not.toBeNull();
    return [Number(m![1]), Number(m![2]), Number(m![3])];
}
const installed = (pkg: string): string =>
    (JSON.parse(read(`node_modules/${pkg}/package.json`)) as { version: string }).version;

describe('extension manifest (package.json)', () => {
    it('starts the bundled client built from client/extension.ts on vmtopo files', () => {
        expect(manifest.main).toBe('./out/client/extension.cjs');
        // esbuild.mjs writes out/client/extension.cjs from client/extension.ts.
        expect(read('esbuild.mjs')).toMatch(/'client\/extension':\s*'client\/extension\.ts'/);
        expect(manifest.activationEvents).toContain('onLanguage:vmtopo');
        const [language] = manifest.contributes.languages;
        expect(language).toMatchObject({ id: 'vmtopo', extensions: ['.vmtopo'] });
        expect(language.aliases.length).toBeGreaterThan(0);
        // The client starts the server the bundler writes.
        expect(read('client/extension.ts')).toContain("'out/server/main.cjs'");
        expect(read('esbuild.mjs')).toMatch(/'server\/main':\s*'server\/main\.ts'/);
    });

    it('declares one export command per format of the registry and the other commands, and the client registers exactly those', () => {
        const declared = Object.fromEntries(manifest.contributes.commands.map(c =>
            [c.command, c.category ? `${c.category}: ${c.title}` : c.title]));
        // Besides the commands on vmtopo files: "Import Host…" (client/import/), "Explain Rule"
        // (client/rules/, the rule docs offline) and "Check Drift Against Bundle…" (client/drift/), in the palette everywhere.
        const all = { ...FILE_COMMANDS, 'vmtopo.importHost': 'vmtopo: Import Host…', 'vmtopo.explainRule': 'vmtopo: Explain Rule', 'vmtopo.checkDrift': 'vmtopo: Check Drift Against Bundle…' };
        expect(declared).toEqual(all);
        // Hand-written command classes name their id; the export commands are one ExportCommand per generated descriptor.
        const clientSources = ['client/commands/export-command.ts', 'client/extension.ts', 'client/topology/panel.ts', 'client/import/import-command.ts', 'client/rules/explain-rule.ts', 'client/drift/drift-command.ts'].map(read).join('\n');
        const handWritten = [...clientSources.matchAll(/readonly id = '([^']+)'/g)].map(m => m[1]);
        expect(read('client/extension.ts')).toMatch(/EXPORT_COMMANDS\.map\(format => new ExportCommand\(format,/);
        expect([...handWritten, ...EXPORT_COMMANDS.map(d => d.command)].sort()).toEqual(Object.keys(all).sort());
    });

    it('keeps the export command ids users bind keys to', () => {
        expect(EXPORT_FORMATS.map(f => f.command.id)).toEqual(expect.arrayContaining(['vmtopo.exportLibvirt', 'vmtopo.exportNccl', 'vmtopo.exportTopologySvg']));
    });

    it('the export commands and menus of package.json, and the client\'s descriptors, are what `npm run docs` writes from the registry', () => {
        const text = read('package.json');
        expect(withExportContributions(text) === text, stale('package.json (contributes.commands and menus)')).toBe(true);
        expect(read(CLIENT_DESCRIPTORS_FILE) === clientDescriptorsSource(), stale(CLIENT_DESCRIPTORS_FILE)).toBe(true);
        expect(EXPORT_COMMANDS.map(d => [d.command, d.format, d.label, d.scope]))
            .toEqual(EXPORT_FORMATS.map(f => [f.command.id, f.id, f.label, f.scope]));
    });

    it('the generator puts a new format\'s command in every menu, and drops the command of a format that left the registry', () => {
        // a format the registry does not have (kubevirt, the old example here, is a real one now)
        const extra = { ...EXPORT_FORMATS[0], id: 'demo', label: 'Demo YAML', suffix: '.demo.yaml',
            command: { id: 'vmtopo.exportDemo', title: 'Export Demo YAML', icon: '$(export)' } };
        const grown = JSON.parse(withExportContributions(read('package.json'), [...EXPORT_FORMATS, extra])) as Manifest;
        expect(grown.contributes.commands.map(c => c.command)).toContain('vmtopo.exportDemo');
        for (const menu of ['editor/context', 'editor/title', 'commandPalette']) {
            expect(grown.contributes.menus[menu].map(i => i.command), menu).toContain('vmtopo.exportDemo');
        }
        const shrunk = JSON.parse(withExportContributions(JSON.stringify(grown), EXPORT_FORMATS.slice(1))) as Manifest;
        const left = EXPORT_FORMATS[0].command.id;
        expect(shrunk.contributes.commands.map(c => c.command)).not.toContain(left);
        expect(shrunk.contributes.commands.map(c => c.command)).not.toContain('vmtopo.exportDemo');
        for (const menu of Object.values(shrunk.contributes.menus)) expect(menu.map(i => i.command)).not.toContain(left);
        // The hand-written entries stay.
        expect(shrunk.contributes.commands.map(c => c.command)).toEqual(expect.arrayContaining(['vmtopo.showTopology', 'vmtopo.importHost']));
    });

    it('shows the commands in the editor context menu and title of vmtopo files, and in the palette only there', () => {
        for (const menu of ['editor/context', 'editor/title', 'commandPalette']) {
            const items = manifest.contributes.menus[menu];
            expect(items.map(i => i.command).sort(), menu).toEqual(Object.keys(FILE_COMMANDS).sort());
            for (const item of items) {
                expect(item.when, `${menu} ${item.command}`).toMatch(/(^|&&\s*)editorLangId == vmtopo(\s*&&|$)/);
            }
        }
    });

    it('sets the editor defaults of vmtopo files to the formatter\'s fixed style (4 spaces, no indentation guessing, no format on save)', () => {
        const defaults = (manifest.contributes as unknown as { configurationDefaults: Record<string, Record<string, unknown>> }).configurationDefaults;
        expect(defaults['[vmtopo]']).toEqual({
            'editor.tabSize': INDENT_UNIT.length,
            'editor.insertSpaces': !INDENT_UNIT.includes('\t'),
            'editor.detectIndentation': false,
            'editor.formatOnSave': false
        });
    });

    it('has an output-folder setting whose default is out/ beside the file', () => {
        expect(manifest.contributes.configuration.properties['vmtopo.export.outputFolder']).toMatchObject({ type: 'string', default: 'out' });
    });

    it('ships a grammar and a language configuration that exist and parse', () => {
        const [grammar] = manifest.contributes.grammars;
        expect(grammar).toMatchObject({ language: 'vmtopo', scopeName: 'source.vmtopo' });
        const tm = JSON.parse(read(grammar.path)) as { scopeName: string };
        expect(tm.scopeName).toBe(grammar.scopeName);

        const config = JSON.parse(read(manifest.contributes.languages[0].configuration)) as {
            comments: { lineComment: string; blockComment: [string, string] };
            brackets: Array<[string, string]>;
            autoClosingPairs: Array<{ open: string; close: string }>;
            folding: { markers: { start: string; end: string } };
            wordPattern: string;
        };
        expect(config.comments).toEqual({ lineComment: '//', blockComment: ['/*', '*/'] });
        expect(config.brackets).toContainEqual(['{', '}']);
        expect(config.autoClosingPairs.map(p => p.open)).toEqual(expect.arrayContaining(['{', '"']));
        const start = new RegExp(config.folding.markers.start);
        const end = new RegExp(config.folding.markers.end);
        expect(start.test('pcie-switch sw0 at 0000:16:00.0 on cpu0 link 32 GT/s x16 {')).toBe(true);
        expect(start.test('vm train-a on sprocket {   // training')).toBe(true);
        expect(start.test('    gpu gpu0 "H200 SXM5 141GB" at 0000:19:00.0 module 5')).toBe(false);
        expect(end.test('    }')).toBe(true);
        // Words are whole identifiers and PCI addresses (double-click, hover, rename).
        const word = new RegExp(`^(?:${config.wordPattern})$`);
        for (const w of ['pcie-switch', 'train-a', 'mlx5_3', '0000:1a:00.0']) {
            expect(word.test(w), w).toBe(true);
        }
    });

    it('targets a VS Code whose extension host runs Node 22 (engines.vscode ≥ 1.101, @types/vscode no newer)', () => {
        const [major, minor] = version(manifest.engines.vscode);
        expect(major * 1000 + minor).toBeGreaterThanOrEqual(1 * 1000 + 101);
        const [tMajor, tMinor] = version(manifest.devDependencies['@types/vscode']);
        expect(tMajor * 1000 + tMinor).toBeLessThanOrEqual(major * 1000 + minor);
    });

    it('uses vscode-languageclient and vscode-languageserver of the same minor version', () => {
        const client = version(manifest.dependencies['vscode-languageclient']);
        const server = version(manifest.dependencies['vscode-languageserver']);
        expect(client.slice(0, 2)).toEqual(server.slice(0, 2));
        expect(version(installed('vscode-languageclient')).slice(0, 2)).toEqual(version(installed('vscode-languageserver')).slice(0, 2));
    });

    it('packages the bundles and editor assets (.vscodeignore; test/client/vsix.test.ts checks the built package)', () => {
        const ignore = read('.vscodeignore');
        for (const kept of ['!out/client/*.cjs', '!out/server/*.cjs', '!syntaxes/*.json', '!language-configuration.json', '!package.json']) {
            expect(ignore.split('\n')).toContain(kept);
        }
    });
});

describe('extension client bundle', () => {
    it('bundles client/extension.ts with vscode external, exporting activate and deactivate', async () => {
        const result = await esbuild.build({
            entryPoints: [path.join(REPO, 'client/extension.ts')], bundle: true, format: 'cjs', platform: 'node',
            target: 'node22', external: ['vscode'], write: false, logLevel: 'silent'
        });
        expect(result.errors).toEqual([]);
        const code = result.outputFiles[0].text;
        expect(code).toContain('require("vscode")');
        // Load the bundle with a stand-in `vscode` module (the real one exists only in the extension host).
        const stub: object = new Proxy(function () { /* stand-in */ }, {
            get: (_t, p) => (p === '__esModule' ? true : stub), apply: () => stub, construct: () => stub
        });
        const nodeRequire = createRequire(path.join(REPO, 'out/client/extension.cjs'));
        const module = { exports: {} as Record<string, unknown> };
        // As Node's CommonJS loader runs a module: the code as the body of a function of these five.
        const load = vm.compileFunction(code, ['require', 'module', 'exports', '__filename', '__dirname'], { filename: 'extension.cjs' });
        load((id: string) => (id === 'vscode' ? stub : nodeRequire(id)), module, module.exports, 'extension.cjs', REPO);
        expect(typeof module.exports.activate).toBe('function');
        expect(typeof module.exports.deactivate).toBe('function');
    });
});

// Which VM or host: from the server's document symbols, tested in test/editor/symbols.test.ts and test/client/export-targets.test.ts (client/vm-locator.ts).
describe('export command: which folder (client helpers)', () => {
    it('writes to out/ beside the file by default; relative settings are relative to the file', () => {
        expect(resolveOutputFolder(undefined, '/w/topo/hgx.vmtopo')).toBe(path.resolve('/w/topo/out'));
        expect(resolveOutputFolder('', '/w/topo/hgx.vmtopo')).toBe(path.resolve('/w/topo/out'));
        expect(resolveOutputFolder('../xml', '/w/topo/hgx.vmtopo')).toBe(path.resolve('/w/xml'));
        expect(resolveOutputFolder('/srv/libvirt', '/w/topo/hgx.vmtopo')).toBe(path.resolve('/srv/libvirt'));
        expect(resolveOutputFolder('${workspaceFolder}/build', '/w/topo/hgx.vmtopo', '/w')).toBe(path.resolve('/w/build'));
    });
});
