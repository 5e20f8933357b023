/**
 * What each CLI command loads: the CLI is bundled (esbuild.mjs) as ES module chunks, and a command's
 * chunk is imported only when it runs, so a command loads the static-import closure of `main.mjs`
 * and its own chunk. `out/cli/chunks.json` (written by the build) lists, per chunk, its static
 * imports and the sources it holds. `vmtopo check` must load the language (parser, rules, model) but
 * none of the editor: not Langium's LSP layer, not `vscode-languageserver`, not the editor services
 * (language/src/editor) — those are the language server's, and loading them made every cold check
 * slower (vmtopo-module.ts's `createVmtopoCoreServices`; package.json's `"sideEffects": ["*.css"]`, only CSS
 * has side effects, lets esbuild leave out the modules the CLI does not reach). Nor the export writers, the planner's solver, elkjs or YAML.
 * Nor `vscode-languageserver-protocol` and vscode-jsonrpc's connection layer (scripts/cli-protocol.mjs),
 * nor, when it runs, the Node built-ins that only ES-module facades of `node:fs` and `node:crypto`
 * would load (scripts/node-builtins.mjs).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../support/util.js';
import { CLI, ensureCliBundle } from '../support/cli.js';

interface Chunk { entryPoint?: string; imports: string[]; inputs: string[] }
let chunks: Record<string, Chunk>;

beforeAll(() => {
    ensureCliBundle();
    chunks = JSON.parse(fs.readFileSync(path.join(REPO, 'out/cli/chunks.json'), 'utf8')) as Record<string, Chunk>;
}, 120_000);

/** The sources a command loads: the static closure of main.mjs and of the chunk whose entry is `entry`. */
function loadedBy(entry: string): string[] {
    const start = Object.keys(chunks).find(f => chunks[f].entryPoint === entry);
    expect(start, `a chunk for ${entry}`).toBeDefined();
    const seen = new Set<string>();
    const visit = (file: string) => {
        if (seen.has(file)) return;
        seen.add(file);
        for (const i of chunks[file]?.imports ?? []) visit(i);
    };
    visit('main.mjs');
    visit(start!);
    return [...seen].flatMap(f => chunks[f]?.inputs ?? []);
}

describe('the CLI bundle', () => {
    it('vmtopo check loads the language, its rules and model, and none of the editor', () => {
        const sources = loadedBy('language/src/cli/check-command.ts');
        for (const needed of ['language/src/langium/parser.ts', 'language/src/rules/loc.ts', 'language/src/model/resolve.ts', 'node_modules/langium/lib/parser/langium-parser.js']) {
            expect(sources).toContain(needed);
        }
        const editor = sources.filter(s => /^node_modules\/vscode-languageserver\/|^node_modules\/langium\/lib\/lsp\/|^language\/src\/editor\//.test(s));
        expect(editor).toEqual([]);
        const heavy = sources.filter(s => /^language\/src\/features\/export\/(libvirt|nccl|kubevirt|proxmox|vmx|cloud-hypervisor)\.ts$|^node_modules\/(highs|elkjs|yaml|xmlbuilder2)\//.test(s));
        expect(heavy).toEqual([]);
        const protocol = sources.filter(s => /^node_modules\/vscode-languageserver-protocol\/|^node_modules\/vscode-jsonrpc\/lib\/common\/(api|connection|messageReader|messageWriter)\.js$/.test(s));
        expect(protocol).toEqual([]);
    });

    it('vmtopo check of the example loads neither crypto, child_process, fs/promises, readline nor net from Node', () => {
        // a preload that prints, at exit, the built-in modules Node loaded after it
        const preload = 'data:text/javascript,' + encodeURIComponent(
            'const before = new Set(process.moduleLoadList);'
            + 'process.on("exit", () => { const loaded = process.moduleLoadList.filter(m => !before.has(m));'
            + ' process.getBuiltinModule("fs").writeSync(2, JSON.stringify(loaded)); });');
        const r = spawnSync(process.execPath, ['--import', preload, CLI, 'check', path.join(REPO, 'examples/hgx-h200.vmtopo')], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
        expect(r.status).toBe(0);
        const loaded = JSON.parse(r.stderr) as string[];
        expect(loaded).toContain('NativeModule module');
        expect(loaded.filter(m => /^NativeModule (crypto|child_process|internal\/fs\/promises|internal\/readline\/interface|worker_threads)$/.test(m))).toEqual([]);
        // its report goes to the pipe with fs.writeSync, not through Node's socket stream (cli/io.ts; Windows keeps the stream)
        if (process.platform !== 'win32') expect(loaded).not.toContain('NativeModule net');
    });

    it('with a compile cache folder, the first check fills it and the next gives the same report; an unusable one is skipped', () => {
        const tmp = fs.mkdtempSync(path.join(REPO, 'out', 'compile-cache-'));
        try {
            const example = path.join(REPO, 'examples/hgx-h200.vmtopo');
            const run = (cache: string) => spawnSync(process.execPath, [CLI, 'check', '--format', 'json', example], {
                cwd: REPO, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_COMPILE_CACHE: cache, NODE_DISABLE_COMPILE_CACHE: undefined }
            });
            const cache = path.join(tmp, 'cache');
            const first = run(cache);
            expect(first.status).toBe(0);
            const files = fs.readdirSync(cache, { recursive: true, withFileTypes: true }).filter(e => e.isFile());
            expect(files.length).toBeGreaterThan(10);
            const second = run(cache);
            expect(second.stdout).toBe(first.stdout);
            expect(second.stderr).toBe('');
            // a cache "folder" under a regular file cannot be created: the check runs without it
            fs.writeFileSync(path.join(tmp, 'file'), '');
            const unusable = run(path.join(tmp, 'file', 'cache'));
            expect(unusable.status).toBe(0);
            expect(unusable.stdout).toBe(first.stdout);
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it('main.mjs holds the version of package.json, not the extension manifest', () => {
        const main = fs.readFileSync(path.join(REPO, 'out/cli/main.mjs'), 'utf8');
        const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
        expect(main).toContain(JSON.stringify(manifest.version));
        expect(main).not.toContain('contributes');
    });

    it('the language server still wires the editor: its bundle holds the editor services', () => {
        const server = fs.readFileSync(path.join(REPO, 'out/server/main.cjs'), 'utf8');
        expect(server).toContain('language/src/editor/completion.ts');
        expect(server).toContain('node_modules/vscode-languageserver/lib/common/server.js');
    });
});
