/**
 * Where the language server's `vmtopo.export` may read and write. Any LSP client can send the
 * command with any argument; the server must export only a file of the workspace and write only
 * into the workspace (on real paths), unless the user chose the folder in a dialog, and must answer
 * every malformed argument with `ok: false` and one line — never a thrown error.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NodeFileSystem } from 'langium/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { confineExport } from '../../../language/src/features/export/confine.js';
import { exportRoots, isInsideFolder, realPathOf } from '../../../language/src/kernel/paths.js';
import { localWorkspaceFolders, parseExportArgs, type ParsedExportArgs } from '../../../language/src/features/export/command.js';
import { EXPORT_COMMAND } from '../../../language/src/protocol.js';
import { EXPORT_FORMATS } from '../../../language/src/features/export/formats.js';
import { createVmtopoServices } from '../../../language/src/vmtopo-module.js';
import type { ExportResult } from '../../../language/src/features/export/index.js';
import { REPO, readRepoFile } from '../../support/util.js';

let tmp: string;
/** The workspace folder of these tests: `<tmp>/ws`, holding `topo/hgx.vmtopo`. */
let ws: string;
/** A folder beside the workspace, outside it. */
let outside: string;
let file: string;

beforeEach(() => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-confine-')));
    ws = path.join(tmp, 'ws');
    outside = path.join(tmp, 'outside');
    fs.mkdirSync(path.join(ws, 'topo'), { recursive: true });
    fs.mkdirSync(outside);
    file = path.join(ws, 'topo', 'hgx.vmtopo');
    fs.writeFileSync(file, readRepoFile('examples/hgx-h200.vmtopo'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** parseExportArgs, expecting a parsed argument. */
function parsed(arg: unknown): ParsedExportArgs {
    const result = parseExportArgs(arg);
    if (typeof result === 'string') throw new Error(`refused: ${result}`);
    return result;
}

describe('parseExportArgs: the shape of the argument', () => {
    it('resolves a relative outDir against the exported file\'s folder, not the server\'s working folder', () => {
        expect(parsed({ file, format: 'libvirt', outDir: 'xml' }).outDir).toBe(path.join(ws, 'topo', 'xml'));
        expect(parsed({ file, format: 'libvirt', outDir: '../build/xml' }).outDir).toBe(path.join(ws, 'build', 'xml'));
    });

    it('defaults outDir to out/ beside the file, and takes an absolute outDir or a file: URI as it is', () => {
        expect(parsed({ file, format: 'nccl' })).toEqual({
            file, format: 'nccl', vm: undefined, outDir: path.join(ws, 'topo', 'out'), outDirChosenByUser: false
        });
        expect(parsed({ file, format: 'nccl', outDir: '' }).outDir).toBe(path.join(ws, 'topo', 'out'));
        expect(parsed({ file, format: 'nccl', outDir: '/srv/x' }).outDir).toBe('/srv/x');
        expect(parsed({ file, format: 'nccl', outDir: pathToFileURL(outside).toString() }).outDir).toBe(outside);
    });

    it('accepts file as an absolute path or a file: URI without host, and normalises it', () => {
        expect(parsed({ file: pathToFileURL(file).toString(), format: 'libvirt' }).file).toBe(file);
        expect(parsed({ file: `${ws}/topo/../topo/./hgx.vmtopo`, format: 'libvirt' }).file).toBe(file);
    });

    it('accepts every format of the registry and refuses any other, naming them', () => {
        for (const format of EXPORT_FORMATS) expect(parsed({ file, format: format.id }).format).toBe(format.id);
        expect(parseExportArgs({ file, format: 'pdf' }))
            .toBe(`${EXPORT_COMMAND}: 'format' must be one of ${EXPORT_FORMATS.map(f => f.id).join(', ')}, not 'pdf'`);
    });

    it('reads vm and host as names (empty: all), and refuses any other type', () => {
        expect(parsed({ file, format: 'svg', host: 'sprocket', vm: '' })).toMatchObject({ host: 'sprocket', vm: undefined });
        expect(parseExportArgs({ file, format: 'svg', host: 3 })).toBe(`${EXPORT_COMMAND}: 'host' must be a host name, not the number 3`);
    });

    it('takes an unsaved (untitled:) document only with an absolute output folder the user chose', () => {
        expect(parsed({ file: 'untitled:Untitled-1', format: 'libvirt', outDir: '/srv/x', outDirChosenByUser: true }))
            .toEqual({ file: 'untitled:Untitled-1', format: 'libvirt', outDir: path.resolve('/srv/x'), outDirChosenByUser: true, unsaved: true });
        for (const arg of [{ outDir: '/srv/x' }, { outDir: 'rel', outDirChosenByUser: true }, { outDirChosenByUser: true }]) {
            expect(parseExportArgs({ file: 'untitled:Untitled-1', format: 'libvirt', ...arg }), JSON.stringify(arg)).toMatch(/is not saved to a file/);
        }
    });

    it('reads outDirChosenByUser only as a boolean', () => {
        expect(parsed({ file, format: 'libvirt', outDirChosenByUser: true }).outDirChosenByUser).toBe(true);
        expect(parsed({ file, format: 'libvirt', outDirChosenByUser: false }).outDirChosenByUser).toBe(false);
        expect(parseExportArgs({ file, format: 'libvirt', outDirChosenByUser: 'yes' }))
            .toBe(`${EXPORT_COMMAND}: 'outDirChosenByUser' must be true or false, not 'yes'`);
    });

    it.each([
        ['an untitled: document without a folder the user chose', 'untitled:Untitled-1', /untitled:Untitled-1 is not saved to a file: the output folder must be an absolute folder chosen by the user/],
        ['an http: URL', 'http://example.com/a.vmtopo', /not a http: URI/],
        ['a file on another host', 'file://otherhost/w/a.vmtopo', /names a file on another host \(otherhost\)/],
        ['a relative path', 'topo/hgx.vmtopo', /must be an absolute path or a file: URI, not the relative path topo\/hgx\.vmtopo/],
        ['an empty string', '', /'file' must be an absolute path or a file: URI, not ''/],
        ['a NUL character', '/w/a\0.vmtopo', /'file' contains a NUL character/],
        ['a percent-encoded NUL', 'file:///w/a%00.vmtopo', /'file' contains a NUL character/],
        ['a number', 42, /not the number 42/],
        ['null', null, /not null/]
    ])('refuses %s as file with one line', (_what, value, message) => {
        const result = parseExportArgs({ file: value, format: 'libvirt' });
        expect(typeof result).toBe('string');
        expect(result).toMatch(message);
        expect(result).not.toContain('\n');
    });

    it.each([
        ['nothing', undefined], ['null', null], ['an array', [{ file: '/w/a.vmtopo', format: 'nccl' }]], ['a number', 7], ['a string', '/w/a.vmtopo']
    ])('refuses %s as the whole argument', (_what, value) => {
        expect(parseExportArgs(value)).toBe(`${EXPORT_COMMAND} expects one argument { file, format, vm?, host?, outDir? }`);
    });

    it('escapes a control character of a refused value, so the problem stays one line', () => {
        expect(parseExportArgs({ file: 'x\ny\u001b[2J', format: 'libvirt' })).toBe(
            `${EXPORT_COMMAND}: 'file' must be an absolute path or a file: URI, not the relative path x\\ny\\x1b[2J`);
    });
});

describe('confineExport: inside the workspace, on real paths', () => {
    const place = (outDir: string, outDirChosenByUser = false) => ({ file, outDir, outDirChosenByUser });

    it('lets a file of the workspace export into a folder of the workspace', () => {
        expect(confineExport(place(path.join(ws, 'topo', 'out')), [ws])).toBeUndefined();
        expect(confineExport(place(path.join(ws, 'a', 'b', 'not-yet-there')), [ws])).toBeUndefined();
    });

    it('refuses ../../../../tmp/x: outDir resolved against the file\'s folder lands outside', () => {
        const escape = path.join(outside, 'x');
        const relative = path.relative(path.dirname(file), escape); // ../../outside/x
        const outDir = parsed({ file, format: 'libvirt', outDir: `../../../../../../../..${escape}` }).outDir;
        expect(outDir).toBe(escape);
        expect(parsed({ file, format: 'libvirt', outDir: relative }).outDir).toBe(escape);
        expect(confineExport(place(outDir), [ws]))
            .toBe(`the output folder ${escape} lies outside the folder ${ws}`);
    });

    it('refuses an out folder that is a symbolic link pointing out of the workspace, and any folder below it', () => {
        const link = path.join(ws, 'topo', 'out');
        fs.symlinkSync(outside, link);
        expect(realPathOf(path.join(link, 'libvirt'))).toBe(path.join(outside, 'libvirt'));
        expect(confineExport(place(link), [ws])).toBe(
            `the output folder ${link} (real path ${outside}) lies outside the folder ${ws}`);
        expect(confineExport(place(path.join(link, 'libvirt', 'deep')), [ws])).toMatch(/^the output folder .* \(real path .*outside\/libvirt\/deep\) lies outside/);
    });

    it('accepts a folder outside the workspace only when the user chose it', () => {
        expect(confineExport(place(outside), [ws])).toMatch(/^the output folder /);
        expect(confineExport(place(outside, true), [ws])).toBeUndefined();
    });

    it('refuses a file outside the workspace folders, even with outDirChosenByUser', () => {
        const stray = path.join(outside, 'stray.vmtopo');
        fs.writeFileSync(stray, 'host h {}\n');
        expect(confineExport({ file: stray, outDir: path.join(ws, 'out'), outDirChosenByUser: true }, [ws, path.join(tmp, 'other')]))
            .toBe(`${stray} lies outside the workspace folders ${ws}, ${path.join(tmp, 'other')}`);
    });

    it('refuses a file that is a link pointing out of the workspace', () => {
        const target = path.join(outside, 'real.vmtopo');
        fs.writeFileSync(target, 'host h {}\n');
        const link = path.join(ws, 'link.vmtopo');
        fs.symlinkSync(target, link);
        expect(confineExport({ file: link, outDir: path.join(ws, 'out'), outDirChosenByUser: false }, [ws]))
            .toBe(`${link} (real path ${target}) lies outside the folder ${ws}`);
    });

    it('without workspace folders, the file\'s own folder is the root', () => {
        expect(exportRoots([], file)).toEqual([path.dirname(file)]);
        expect(exportRoots([ws], file)).toEqual([ws]);
        const roots = exportRoots([], file);
        expect(confineExport(place(path.join(ws, 'topo', 'out')), roots)).toBeUndefined();
        expect(confineExport(place(path.join(ws, 'out')), roots)).toMatch(/lies outside the folder .*\/ws\/topo$/);
    });

    it('compares folders with path.relative, not by string prefix', () => {
        expect(isInsideFolder('/w', '/w')).toBe(true);
        expect(isInsideFolder('/w', '/w/a/b')).toBe(true);
        expect(isInsideFolder('/w', '/w2/a')).toBe(false);
        expect(isInsideFolder('/w', '/')).toBe(false);
        expect(isInsideFolder('/w', '/w/..foo')).toBe(true); // a folder named "..foo" inside /w
    });

    it('keeps only local file: workspace folders', () => {
        expect(localWorkspaceFolders([
            { uri: pathToFileURL(ws).toString() }, { uri: 'vscode-vfs://github/x/y' }, { uri: 'file://host/share' }
        ])).toEqual([ws]);
        expect(localWorkspaceFolders(null)).toEqual([]);
    });
});

describe('the vmtopo.export command handler (in-process, workspace folders from initialize)', () => {
    async function run(arg: unknown, folders: string[] = [ws]): Promise<ExportResult> {
        const { shared } = createVmtopoServices(NodeFileSystem);
        shared.workspace.WorkspaceManager.initialize({
            processId: null, rootUri: null, capabilities: {},
            workspaceFolders: folders.map(f => ({ uri: pathToFileURL(f).toString(), name: path.basename(f) }))
        });
        return await shared.lsp.ExecuteCommandHandler!.executeCommand(EXPORT_COMMAND, [arg]) as ExportResult;
    }

    it('exports with a relative outDir into the file\'s folder', async () => {
        const result = await run({ file, format: 'nccl', vm: 'train-a', outDir: 'nccl' });
        expect(result).toEqual({ ok: true, written: [path.join(ws, 'topo', 'nccl', 'train-a.nccl-topo.xml')], problems: [] });
    });

    it('refuses path traversal and writes nothing outside the workspace', async () => {
        const result = await run({ file, format: 'nccl', outDir: `../../../../../../..${outside}/escape` });
        expect(result.ok).toBe(false);
        expect(result.written).toEqual([]);
        expect(result.problems).toEqual([`the output folder ${outside}/escape lies outside the folder ${ws}`]);
        expect(fs.readdirSync(outside)).toEqual([]);
    });

    it('writes outside the workspace into a folder the user chose', async () => {
        const result = await run({ file, format: 'libvirt', vm: 'infer-b', outDir: outside, outDirChosenByUser: true });
        expect(result).toEqual({ ok: true, written: [path.join(outside, 'infer-b.domain.xml')], problems: [] });
    });

    it('answers malformed arguments and never-opened, missing files with ok: false, never a thrown error', async () => {
        for (const arg of [null, [], 3, 'x', {}, { file: 7 }, { file, format: 'pdf' }, { file: 'untitled:Untitled-1', format: 'nccl' },
            { file: path.join(ws, 'missing.vmtopo'), format: 'nccl' }]) {
            const result = await run(arg);
            expect(result.ok, JSON.stringify(arg)).toBe(false);
            expect(result.written).toEqual([]);
            expect(result.problems).toHaveLength(1);
        }
        expect((await run({ file: path.join(ws, 'missing.vmtopo'), format: 'nccl' })).problems)
            .toEqual([`${path.join(ws, 'missing.vmtopo')}: no such file`]);
        // An unsaved document is exported only from the editor's text: one that is not open is refused.
        expect((await run({ file: 'untitled:Untitled-9', format: 'nccl', outDir: outside, outDirChosenByUser: true })).problems)
            .toEqual(['untitled:Untitled-9 is not open in the editor (an unsaved document is exported from the editor\'s text)']);
    });

    it('merges into a domain outside the workspace only when the user picked it in a dialog (into, intoChosenByUser)', async () => {
        const domain = path.join(outside, 'db01.xml');
        fs.copyFileSync(path.join(REPO, 'test', 'fixtures', 'libvirt-merge', 'virtio-bridge.xml'), domain);
        const refused = await run({ file, format: 'libvirt', vm: 'infer-b', outDir: 'merged', into: domain });
        expect(refused).toEqual({ ok: false, written: [], problems: [`${domain} lies outside the folder ${ws}`] });
        const merged = await run({ file, format: 'libvirt', vm: 'infer-b', outDir: 'merged', into: domain, intoChosenByUser: true });
        expect(merged).toEqual({ ok: true, written: [path.join(ws, 'topo', 'merged', 'infer-b.domain.xml')], problems: [] });
        expect(fs.readFileSync(merged.written[0], 'utf8')).toContain('<name>db01</name>');
    });
});

describe('parseExportArgs: into (the libvirt merge of "vmtopo: Export libvirt Domain Into…")', () => {
    it('takes an absolute path or file: URI for libvirt, and refuses it for another format or relative', () => {
        const file = path.resolve('/w/a.vmtopo');
        const into = path.resolve('/w/my-domain.xml');
        expect(parseExportArgs({ file, format: 'libvirt', into, intoChosenByUser: true })).toMatchObject({ into, intoChosenByUser: true });
        expect(parseExportArgs({ file, format: 'libvirt', into: `file://${into.split(path.sep).join('/')}` })).toMatchObject({ into, intoChosenByUser: false });
        expect(parseExportArgs({ file, format: 'nccl', into })).toBe("vmtopo.export: 'into' merges into a libvirt domain; it cannot be used with format 'nccl'");
        expect(parseExportArgs({ file, format: 'libvirt', into: 'my-domain.xml' })).toBe("vmtopo.export: 'into' must be an absolute path or a file: URI, not the relative path my-domain.xml");
        expect(parseExportArgs({ file, format: 'libvirt', into, intoChosenByUser: 'yes' })).toBe("vmtopo.export: 'intoChosenByUser' must be true or false, not 'yes'");
    });
});
