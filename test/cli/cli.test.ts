/**
 * The `vmtopo` command line, run as a real process (`node bin/vmtopo.js …`, the bundled
 * `out/cli/main.mjs` and its chunks), the way CI and users run it: exit codes, diagnostics lines,
 * JSON, exports in every format of the export-format registry, help, and a reader that stops early.
 *
 * Exit codes: 0 = fine, 1 = the topology has errors / export refused, 2 = usage or unusable input.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, readRepoFile } from '../support/util.js';
import { CLI, ensureCliBundle, vmtopo, type CliRun as Run } from '../support/cli.js';
import { EXPORT_FORMATS } from '../../language/src/features/export/formats.js';
import { RULE_LEVELS } from '../../language/src/rules/engine/control.js';

const EXAMPLE = 'examples/hgx-h200.vmtopo';
const EXAMPLE_TEXT = readRepoFile(EXAMPLE);
/** The VM names of the example, read from its text. */
const EXAMPLE_VMS = [...EXAMPLE_TEXT.matchAll(/^vm\s+(\S+)\s+on\s/gm)].map(m => m[1]);

/** Non-empty lines of a text. */
function lines(text: string): string[] {
    return text.split('\n').filter(l => l.length > 0);
}

let tmp: string;

beforeAll(() => {
    ensureCliBundle();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-cli-'));
}, 120_000);

afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
});

/** A host whose GPU address lacks its function number (`0000:18:00`): a SYN001 error on line 4. */
const BAD_BDF = `host h1 {
    platform kvm
    socket cpu0 { numa 0 cores 0-7 memory 64 GiB }
    gpu g0 "H200 SXM5 141GB" at 0000:18:00 on cpu0
}
`;

describe('vmtopo check', () => {
    it('passes the HGX H200 example: exit 0 and a summary without errors', () => {
        const r = vmtopo(['check', EXAMPLE]);
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        expect(lines(r.stdout)).toEqual(['0 errors, 0 warnings, 0 infos in 1 file']);
    });

    it('prints an error as file:line:col severity code message, with the path as given, and exits 1', () => {
        const dir = fs.mkdtempSync(path.join(tmp, 'bad-'));
        fs.writeFileSync(path.join(dir, 'bad.vmtopo'), BAD_BDF);
        const r = vmtopo(['check', 'bad.vmtopo'], dir);
        expect(r.status).toBe(1);
        const column = BAD_BDF.split('\n')[3].indexOf('0000:18:00') + 1;
        const out = lines(r.stdout);
        const located = out.find(l => l.startsWith(`bad.vmtopo:4:${column} error SYN001 `));
        expect(located, r.stdout).toBeDefined();
        expect(located).toContain('0000:18:00');
        expect(out.at(-1)).toMatch(/^[1-9]\d* errors?, \d+ warnings?, \d+ infos? in 1 file$/);
    });

    it('--format json prints a JSON array with file, 1-based positions, severity, code and source link', () => {
        const dir = fs.mkdtempSync(path.join(tmp, 'json-'));
        fs.writeFileSync(path.join(dir, 'bad.vmtopo'), BAD_BDF);
        const r = vmtopo(['check', '--format', 'json', 'bad.vmtopo'], dir);
        expect(r.status).toBe(1);
        const diagnostics = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
        const syn = diagnostics.find(d => d.code === 'SYN001');
        expect(syn).toMatchObject({
            file: 'bad.vmtopo', line: 4, column: BAD_BDF.split('\n')[3].indexOf('0000:18:00') + 1,
            endLine: 4, endColumn: BAD_BDF.split('\n')[3].indexOf('0000:18:00') + 1 + '0000:18:00'.length,
            severity: 'error'
        });
        expect(syn!.message).toContain('0000:18:00');
        expect(syn!.source).toMatch(/^https?:\/\//);

        const good = vmtopo(['check', '--format', 'json', EXAMPLE]);
        expect(good.status).toBe(0);
        expect(JSON.parse(good.stdout)).toEqual([]);
    });

    it('checks several files as one workspace: VMs in one file, their host in another', () => {
        const dir = fs.mkdtempSync(path.join(tmp, 'two-'));
        const hostPart = EXAMPLE_TEXT.slice(0, EXAMPLE_TEXT.search(/^\/\*\*\n \* 4-GPU training VM/m));
        fs.writeFileSync(path.join(dir, 'hosts.vmtopo'), hostPart);
        fs.writeFileSync(path.join(dir, 'vms.vmtopo'), EXAMPLE_TEXT.slice(hostPart.length));
        expect(hostPart).toContain('host sprocket');
        expect(hostPart).not.toMatch(/^vm /m);

        const together = vmtopo(['check', 'hosts.vmtopo', 'vms.vmtopo'], dir);
        expect(together.stdout.trim()).toBe('0 errors, 0 warnings, 0 infos in 2 files');
        expect(together.status).toBe(0);

        // Alone, the VM file names a host nobody declared.
        const alone = vmtopo(['check', 'vms.vmtopo'], dir);
        expect(alone.status).toBe(1);
        expect(alone.stdout).toMatch(/^vms\.vmtopo:\d+:\d+ error .*sprocket/m);
    });
});

describe('unusable input: one line on stderr, exit 2, no stack trace', () => {
    function expectOneLine(r: Run, expected: string | RegExp): void {
        expect(r.status).toBe(2);
        expect(r.stdout).toBe('');
        expect(lines(r.stderr)).toHaveLength(1);
        expect(r.stderr).not.toMatch(/^\s+at /m);
        if (typeof expected === 'string') expect(r.stderr).toBe(`${expected}\n`);
        else expect(r.stderr).toMatch(expected);
    }

    it('a missing file', () => {
        expectOneLine(vmtopo(['check', 'examples/nope.vmtopo']), 'vmtopo: cannot read examples/nope.vmtopo: no such file');
    });

    it('a missing file among good ones, for export too', () => {
        expectOneLine(vmtopo(['export', 'libvirt', EXAMPLE, 'examples/nope.vmtopo', '-o', path.join(tmp, 'never')]),
            'vmtopo: cannot read examples/nope.vmtopo: no such file');
        expect(fs.existsSync(path.join(tmp, 'never'))).toBe(false);
    });

    it('a directory', () => {
        const dir = path.join(tmp, 'folder.vmtopo');
        fs.mkdirSync(dir);
        expectOneLine(vmtopo(['check', dir]), `vmtopo: cannot read ${dir}: is a directory`);
    });

    it('a file that is not UTF-8', () => {
        const file = path.join(tmp, 'latin1.vmtopo');
        // "/* Müller */" in ISO-8859-1 on line 2: 0xFC alone is not UTF-8.
        fs.writeFileSync(file, Buffer.concat([Buffer.from('host h1 {}\n/* M'), Buffer.from([0xfc]), Buffer.from('ller */\n')]));
        expectOneLine(vmtopo(['check', file]), `vmtopo: cannot read ${file}: not UTF-8 text (invalid byte sequence on line 2)`);
    });

    it('a file without the .vmtopo extension', () => {
        const file = path.join(tmp, 'hgx.txt');
        fs.writeFileSync(file, EXAMPLE_TEXT);
        expectOneLine(vmtopo(['check', file]), `vmtopo: cannot read ${file}: not a .vmtopo file`);
    });

    it.skipIf(process.getuid?.() === 0)('a file without read permission (not testable as root)', () => {
        const file = path.join(tmp, 'secret.vmtopo');
        fs.writeFileSync(file, EXAMPLE_TEXT);
        fs.chmodSync(file, 0o000);
        expectOneLine(vmtopo(['check', file]), `vmtopo: cannot read ${file}: permission denied`);
    });

    it('usage errors: unknown command, unknown export format (the message lists the registry\'s), no files', () => {
        expectOneLine(vmtopo(['frobnicate']), /^vmtopo: unknown command 'frobnicate'/);
        const unknown = vmtopo(['export', 'yaml', EXAMPLE]);
        expectOneLine(unknown, /^vmtopo: .*'yaml'/);
        expect(unknown.stderr).toContain(EXPORT_FORMATS.map(f => f.id).join(', '));
        expectOneLine(vmtopo(['check']), /^vmtopo: missing required argument 'file'/);
        expectOneLine(vmtopo(['check', '--format', 'xml', EXAMPLE]), /^vmtopo: .*'xml'.*text, json/);
    });
});

describe('user-controlled paths are printed escaped, one line per diagnostic or problem', () => {
    /** A file name with a newline, a carriage return, an ANSI colour sequence and a bidi override. */
    const NASTY = 'bad\nname\r\u001b[31m\u202e.vmtopo';
    const NASTY_SHOWN = 'bad\\nname\\x0d\\x1b[31m\\u{202e}.vmtopo';

    it('vmtopo check: a path with a newline gives exactly one output line per diagnostic', () => {
        const dir = fs.mkdtempSync(path.join(tmp, 'nasty-'));
        fs.writeFileSync(path.join(dir, NASTY), BAD_BDF);
        const json = vmtopo(['check', '--format', 'json', NASTY], dir);
        const diagnostics = JSON.parse(json.stdout) as Array<{ file: string }>;
        expect(diagnostics.length).toBeGreaterThan(0);
        expect(diagnostics[0].file).toBe(NASTY); // JSON carries the name itself, escaped by JSON

        const r = vmtopo(['check', NASTY], dir);
        expect(r.status).toBe(1);
        const out = r.stdout.split('\n');
        expect(out.pop()).toBe(''); // the output ends with a newline
        expect(out).toHaveLength(diagnostics.length + 1); // one line per diagnostic, then the summary
        for (const line of out.slice(0, -1)) expect(line.startsWith(`${NASTY_SHOWN}:`), line).toBe(true);
        expect(r.stdout).not.toMatch(/[\r\u001b\u202e]/);
    });

    it('an unreadable input and the written files are printed escaped too', () => {
        const dir = fs.mkdtempSync(path.join(tmp, 'nasty-'));
        expectOneLineError(vmtopo(['check', NASTY], dir), `vmtopo: cannot read ${NASTY_SHOWN}: no such file`);

        fs.writeFileSync(path.join(dir, 'hgx.vmtopo'), EXAMPLE_TEXT);
        const r = vmtopo(['export', 'nccl', 'hgx.vmtopo', '--vm', EXAMPLE_VMS[0], '-o', 'out\nx'], dir);
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        expect(r.stdout).toBe(`out\\nx/${EXAMPLE_VMS[0]}.nccl-topo.xml\n`);
        expect(fs.readdirSync(path.join(dir, 'out\nx'))).toEqual([`${EXAMPLE_VMS[0]}.nccl-topo.xml`]);
    });

    /** Exit 2, nothing on stdout, and exactly this one line on stderr. */
    function expectOneLineError(r: Run, line: string): void {
        expect(r.status).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toBe(`${line}\n`);
    }
});

describe('vmtopo --version and --help', () => {
    it('--version prints the package version', () => {
        const r = vmtopo(['--version']);
        expect(r.status).toBe(0);
        expect(r.stdout.trim()).toBe(JSON.parse(readRepoFile('package.json')).version);
    });

    it('--help lists the commands', () => {
        const r = vmtopo(['--help']);
        expect(r.status).toBe(0);
        expect(r.stdout).toMatch(/^\s+check \[options\] <file\.\.\.>/m);
        expect(r.stdout).toMatch(/^\s+export \[options\] <format> <file\.\.\.>/m);
    });

    it('export --help offers every format of the registry, with its file name and what it is', () => {
        const r = vmtopo(['export', '--help']);
        expect(r.status).toBe(0);
        // commander wraps the choices at the terminal width: compare with the line breaks as spaces
        expect(r.stdout.replace(/\s+/g, ' ')).toContain(`choices: ${EXPORT_FORMATS.map(f => `"${f.id}"`).join(', ')}`);
        const table = r.stdout.slice(r.stdout.indexOf('Formats:'));
        for (const format of EXPORT_FORMATS) {
            expect(table).toMatch(new RegExp(`^  ${format.id} +<${format.scope}>${format.suffix.replace(/\./g, '\\.')} +${format.label}`, 'm'));
        }
    });

    it('check --help names the rule levels of --rule', () => {
        const r = vmtopo(['check', '--help']);
        expect(r.status).toBe(0);
        expect(r.stdout).toContain(RULE_LEVELS.join('|'));
    });
});

describe('vmtopo export', () => {
    it('export libvirt writes <vm>.domain.xml for every VM of the example and prints each path', () => {
        const out = path.join(tmp, 'libvirt');
        const r = vmtopo(['export', 'libvirt', EXAMPLE, '-o', out]);
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        expect(EXAMPLE_VMS.length).toBeGreaterThanOrEqual(3);
        const expected = EXAMPLE_VMS.map(vm => `${vm}.domain.xml`).sort();
        expect(fs.readdirSync(out).sort()).toEqual(expected);
        expect(lines(r.stdout).map(p => path.basename(p)).sort()).toEqual(expected);
        for (const printed of lines(r.stdout)) {
            expect(fs.readFileSync(path.resolve(REPO, printed), 'utf8')).toMatch(/<domain[\s>]/);
        }
    });

    it('export nccl --vm NAME writes only that VM\'s <vm>.nccl-topo.xml', () => {
        const out = path.join(tmp, 'nccl');
        const r = vmtopo(['export', 'nccl', EXAMPLE, '--vm', EXAMPLE_VMS[0], '-o', out]);
        expect(r.status).toBe(0);
        expect(fs.readdirSync(out)).toEqual([`${EXAMPLE_VMS[0]}.nccl-topo.xml`]);
        expect(fs.readFileSync(path.join(out, `${EXAMPLE_VMS[0]}.nccl-topo.xml`), 'utf8')).toMatch(/<system[\s>]/);
    });

    it('refuses a file with errors, says so, exits 1 and leaves the output folder untouched', () => {
        const dir = fs.mkdtempSync(path.join(tmp, 'refuse-'));
        // The example with one malformed GPU address (SYN001).
        const broken = EXAMPLE_TEXT.replace('at 0000:9b:00.0', 'at 0000:9b:00');
        expect(broken).not.toBe(EXAMPLE_TEXT);
        fs.writeFileSync(path.join(dir, 'broken.vmtopo'), broken);
        const out = path.join(dir, 'out');
        fs.mkdirSync(out);
        fs.writeFileSync(path.join(out, 'keep.txt'), 'sentinel\n');

        const r = vmtopo(['export', 'libvirt', 'broken.vmtopo', '-o', 'out'], dir);
        expect(r.status).toBe(1);
        expect(r.stdout).toBe('');
        // The error (in the host, so it blocks every VM), then one line that says what happened — once.
        const refusedLine = new RegExp(`^vmtopo: export refused: ${EXAMPLE_VMS.length} VMs with errors: ${EXAMPLE_VMS.map(vm => `${vm} \\(1\\)`).join(', ')}; `
            + 'first: broken\\.vmtopo:\\d+:\\d+ error SYN001 0000:9b:00 is not a PCI address.*; nothing was written$');
        expect(lines(r.stderr)).toEqual([
            expect.stringMatching(/^broken\.vmtopo:\d+:\d+ error SYN001 0000:9b:00 is not a PCI address/),
            expect.stringMatching(refusedLine)
        ]);
        expect(r.stderr).not.toMatch(/^\s+at /m);
        expect(fs.readdirSync(out)).toEqual(['keep.txt']);
        expect(fs.readFileSync(path.join(out, 'keep.txt'), 'utf8')).toBe('sentinel\n');
    });

    it('writes the VMs without errors next to a broken one, names the refused VM and its first error, and exits 1', () => {
        const dir = fs.mkdtempSync(path.join(tmp, 'per-vm-'));
        // infer-b pins a vCPU to CPU 999, which the host does not have (LOC013, inside infer-b only).
        fs.writeFileSync(path.join(dir, 'one-broken.vmtopo'), EXAMPLE_TEXT.replace('vcpus 32 pin 72-87,200-215', 'vcpus 32 pin 72-87,200-214,999'));
        const r = vmtopo(['export', 'libvirt', 'one-broken.vmtopo', '-o', 'out'], dir);
        expect(r.status).toBe(1);
        const others = EXAMPLE_VMS.filter(vm => vm !== 'infer-b');
        expect(lines(r.stdout)).toEqual(others.map(vm => path.join('out', `${vm}.domain.xml`)));
        expect(lines(r.stderr)).toEqual([
            expect.stringMatching(/^one-broken\.vmtopo:\d+:\d+ error LOC013 /),
            expect.stringMatching(new RegExp(`^vmtopo: export refused: VM infer-b: 1 error \\(first: one-broken\\.vmtopo:\\d+:\\d+ error LOC013 .*\\); written: ${others.join(', ')}$`))
        ]);
        expect(fs.readdirSync(path.join(dir, 'out')).sort()).toEqual(others.map(vm => `${vm}.domain.xml`).sort());
    });

    it('--vm with an unknown name exits 1 and lists the VM names', () => {
        const out = path.join(tmp, 'unknown-vm');
        const r = vmtopo(['export', 'libvirt', EXAMPLE, '--vm', 'no-such-vm', '-o', out]);
        expect(r.status).toBe(1);
        expect(r.stderr).toContain('no-such-vm');
        for (const vm of EXAMPLE_VMS) expect(r.stderr).toContain(vm);
        expect(fs.existsSync(out) ? fs.readdirSync(out) : []).toEqual([]);
    });

    it('an output folder that cannot be created (under a file, under /proc) is one line and exit 2, never a hang', () => {
        const file = path.join(tmp, 'plain-file');
        fs.writeFileSync(file, 'x');
        for (const out of [path.join(file, 'sub'), '/proc/vmtopo-no-such-dir']) {
            const r = vmtopo(['export', 'nccl', EXAMPLE, '-o', out]);
            expect(r.status).toBe(2);
            expect(lines(r.stderr)).toHaveLength(1);
            expect(r.stderr).toMatch(/^vmtopo: /);
            expect(r.stderr).not.toMatch(/\n\s+at /);
        }
    });

    it('before `npm run build`, the launcher says to build in one line instead of a missing-module stack trace', () => {
        // The launcher as npm installs it, in a checkout whose out/ does not exist yet.
        const checkout = fs.mkdtempSync(path.join(tmp, 'unbuilt-'));
        fs.mkdirSync(path.join(checkout, 'bin'));
        fs.copyFileSync(path.join(REPO, 'bin', 'vmtopo.js'), path.join(checkout, 'bin', 'vmtopo.js'));
        fs.writeFileSync(path.join(checkout, 'package.json'), '{ "type": "module" }\n');
        const r = spawnSync(process.execPath, [path.join(checkout, 'bin', 'vmtopo.js'), 'check', EXAMPLE], { encoding: 'utf8' });
        expect(r.status).toBe(2);
        expect(r.stderr).toBe('vmtopo: the command line is not built yet; run `npm run build` in the vmtopo folder first\n');
    });

    it('on a Node older than 22.3, the launcher says which Node it needs in one line instead of a TypeError', () => {
        // A preload makes this Node report itself as 20.20.2 (a system Node of Debian 12's NodeSource).
        const older = 'data:text/javascript,' + encodeURIComponent('Object.defineProperty(process, "versions", { value: { ...process.versions, node: "20.20.2" } });');
        const r = spawnSync(process.execPath, ['--import', older, CLI, 'check', EXAMPLE], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
        expect(r.status).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toBe('vmtopo: needs Node.js 22.3 or later; this is Node.js 20.20.2\n');
    });

    it('an over-long output path is one line naming ENAMETOOLONG and the target, never a temporary file', () => {
        for (const out of [path.join(tmp, 'a'.repeat(300)), path.join(tmp, ...Array.from({ length: 25 }, () => 'b'.repeat(200)))]) {
            const r = vmtopo(['export', 'nccl', EXAMPLE, '-o', out]);
            expect(r.status).toBe(2);
            expect(lines(r.stderr)).toEqual([expect.stringMatching(/^vmtopo: cannot write .*train-a\.nccl-topo\.xml \(ENAMETOOLONG: name too long\); nothing was written; not written: train-a, /)]);
            expect(r.stderr).not.toContain('vmtopo-tmp');
        }
    });
});

describe('vmtopo export, every format of the registry', () => {
    /** The example a format exports: the HGX example, or its ESXi twin for a format whose files run only on ESXi. */
    const ESXI_EXAMPLE = 'examples/hgx-h200-esxi.vmtopo';
    const exampleOf = (format: typeof EXPORT_FORMATS[number]) => (format.platforms && !format.platforms.includes('kvm') ? ESXI_EXAMPLE : EXAMPLE);
    /** The files a format writes for its example: one per VM, or one per host. */
    const expectedFiles = (format: typeof EXPORT_FORMATS[number]) => {
        const text = readRepoFile(exampleOf(format));
        const names = format.scope === 'vm' ? [...text.matchAll(/^vm\s+(\S+)\s+on\s/gm)].map(m => m[1]) : [...text.matchAll(/^host\s+(\S+)/gm)].map(m => m[1]);
        return names.map(name => `${name}${format.suffix}`).sort();
    };

    for (const format of EXPORT_FORMATS) {
        it(`export ${format.id} writes ${format.scope === 'vm' ? 'one file per VM' : 'one file per host'} (<${format.scope}>${format.suffix}) and prints each path`, () => {
            expect(EXAMPLE_TEXT).toMatch(/^host sprocket /m);
            const out = path.join(tmp, `every-${format.id}`);
            const r = vmtopo(['export', format.id, exampleOf(format), '-o', out]);
            expect(r.stderr).toBe('');
            expect(r.status).toBe(0);
            expect(expectedFiles(format).length).toBeGreaterThan(0);
            expect(fs.readdirSync(out).sort()).toEqual(expectedFiles(format));
            expect(lines(r.stdout).map(p => path.basename(p)).sort()).toEqual(expectedFiles(format));
            // XML and SVG files start with an element; the others (JSON, scripts, configurations) with their own first line
            const start = /\.(xml|svg)$/.test(format.suffix) ? /^</ : /^\S/;
            for (const printed of lines(r.stdout)) expect(fs.readFileSync(path.resolve(REPO, printed), 'utf8')).toMatch(start);
        });
    }

    it('a format for another platform than the file\'s hosts refuses in one line and writes nothing', () => {
        const out = path.join(tmp, 'wrong-platform');
        const r = vmtopo(['export', 'vmx', EXAMPLE, '-o', out]);
        expect(r.status).toBe(1);
        expect(lines(r.stderr)).toEqual([`vmtopo: export refused: VMware ESXi .vmx fragment files are for VMs on esxi hosts; the VMs of ${EXAMPLE} run on kvm host sprocket; nothing was written`]);
        expect(fs.existsSync(out)).toBe(false);
    });

    it('a per-host format: --vm exports the VM\'s host, --host names one, an unknown --host lists the hosts', () => {
        const host = EXPORT_FORMATS.find(f => f.scope === 'host')!;
        const out = path.join(tmp, 'per-host');
        const byVm = vmtopo(['export', host.id, EXAMPLE, '--vm', EXAMPLE_VMS[0], '-o', out]);
        expect(byVm.status).toBe(0);
        expect(fs.readdirSync(out)).toEqual([`sprocket${host.suffix}`]);
        const unknown = vmtopo(['export', host.id, EXAMPLE, '--host', 'nope', '-o', out]);
        expect(unknown.status).toBe(1);
        expect(unknown.stderr).toContain("no host named 'nope'");
        expect(unknown.stderr).toContain('hosts: sprocket');
    });

    it('a format that draws the errors writes a file with errors; the others refuse the VMs with errors, writing at most the clean ones', () => {
        // one format of each kind (per host; per VM on KVM; per VM on ESXi): every per-VM format's
        // clean VMs of this example are test/features/export/misconfigured-golden.test.ts's, in-process
        const kinds = new Map(EXPORT_FORMATS.map(f => [`${f.scope}/${f.writesWithErrors}/${(f.platforms ?? []).join()}`, f] as const));
        for (const format of kinds.values()) {
            const out = path.join(tmp, `errors-${format.id}`);
            const r = vmtopo(['export', format.id, 'examples/misconfigured.vmtopo', '-o', out]);
            expect(r.status, `${format.id}: ${r.stderr}`).toBe(format.writesWithErrors ? 0 : 1);
            const written = fs.existsSync(out) ? fs.readdirSync(out).sort() : [];
            if (format.writesWithErrors) {
                expect(written.length, format.id).toBeGreaterThan(0);
                continue;
            }
            // the example has VMs without errors on both platforms (KVM: wide, o1…; ESXi: esx-r)
            expect(written.length, `${format.id}: ${r.stderr}`).toBeGreaterThan(0);
            // a VM is written when it and its host have no error (export-files.ts); the refusal names what it wrote
            const said = /; written: (.*)$/m.exec(r.stderr)?.[1].split(', ') ?? [];
            expect(written, `${format.id}: ${r.stderr}`).toEqual(said.map(name => `${name}${format.suffix}`).sort());
            const withErrors = /(\d+) VMs? with errors: (.*?)(?: and \d+ more)?; first: \S+ error \S+ ([^:]+):/m.exec(r.stderr);
            expect(withErrors, `${format.id}: ${r.stderr}`).not.toBeNull();
            for (const name of [withErrors![3], ...withErrors![2].split(', ').map(n => n.replace(/ \(\d+\)$/, ''))]) {
                expect(written, `${format.id}: ${name} has errors`).not.toContain(`${name}${format.suffix}`);
            }
        }
    });
});

describe('vmtopo --version without the bundle', () => {
    it('is answered by the launcher from package.json, before (and without) out/cli', () => {
        const checkout = fs.mkdtempSync(path.join(tmp, 'version-'));
        fs.mkdirSync(path.join(checkout, 'bin'));
        fs.copyFileSync(path.join(REPO, 'bin', 'vmtopo.js'), path.join(checkout, 'bin', 'vmtopo.js'));
        fs.writeFileSync(path.join(checkout, 'package.json'), '{ "type": "module", "version": "9.8.7" }\n');
        for (const flag of ['--version', '-V']) {
            const r = spawnSync(process.execPath, [path.join(checkout, 'bin', 'vmtopo.js'), flag], { encoding: 'utf8' });
            expect(r.stderr).toBe('');
            expect(r.status).toBe(0);
            expect(r.stdout).toBe('9.8.7\n');
        }
    });
});

describe('a reader that stops early (vmtopo check big.vmtopo | head -1)', () => {
    /** A workspace whose check prints about 400 kB: the example's host and 2,000 VMs with one error each (SYN008). */
    let big: string;
    beforeAll(() => {
        const host = EXAMPLE_TEXT.slice(0, EXAMPLE_TEXT.search(/^\/\*\*\n \* 4-GPU training VM/m));
        big = path.join(tmp, 'big.vmtopo');
        fs.writeFileSync(big, host + Array.from({ length: 2000 }, (_, i) => `vm x${i} on sprocket { vcpus 0 memory 8 GiB on numa 0 }\n`).join(''));
    });

    it('through a shell pipe into head -1: the first line, nothing on stderr, vmtopo\'s own exit code', () => {
        // pipefail: the pipeline's status is vmtopo's (1: the file has errors), not head's.
        const r = spawnSync('bash', ['-c', 'set -o pipefail; "$0" "$1" check "$2" | head -1', process.execPath, CLI, big], { encoding: 'utf8', timeout: 60_000 });
        expect(r.stderr).toBe('');
        expect(lines(r.stdout)).toEqual([expect.stringMatching(/^.*big\.vmtopo:\d+:\d+ error SYN008 vcpus 0 is out of range/)]);
        expect(r.status).toBe(1);
    });

    for (const format of ['text', 'json', 'sarif']) {
        it(`--format ${format}: the reader closes the pipe after its first chunk; vmtopo exits quietly`, async () => {
            const child = spawn(process.execPath, [CLI, 'check', '--format', format, big], { stdio: ['ignore', 'pipe', 'pipe'] });
            let stderr = '';
            let received = 0;
            child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
            child.stdout.once('data', (chunk: Buffer) => { received = chunk.length; child.stdout.destroy(); });
            const status = await new Promise<number | null>(resolve => child.on('close', code => resolve(code)));
            expect(received).toBeGreaterThan(0);
            expect(stderr).toBe('');
            expect(status).toBe(1);
        });
    }

    it('stdout a non-blocking pipe that fills up before the reader reads: every byte arrives, in order', () => {
        // python3 makes the pipe, sets its write end non-blocking (O_NONBLOCK is shared with the
        // child's stdout), and reads only after 300 ms: vmtopo's writes meet a full pipe (EAGAIN).
        const script = [
            'import os, subprocess, sys, time',
            'r, w = os.pipe()',
            'os.set_blocking(w, False)',
            'p = subprocess.Popen(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)',
            'os.close(w)',
            'time.sleep(0.3)',
            'out = b"".join(iter(lambda: os.read(r, 65536), b""))',
            'err = p.stderr.read()',
            'sys.stdout.buffer.write(out)',
            'sys.stderr.buffer.write(err)',
            'sys.exit(p.wait())'
        ].join('\n');
        const piped = spawnSync('python3', ['-c', script, process.execPath, CLI, 'check', big], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
        const direct = vmtopo(['check', big]);
        expect(direct.stdout.length).toBeGreaterThan(200_000);
        expect(piped.stderr).toBe('');
        expect(piped.status).toBe(1);
        expect(piped.stdout).toBe(direct.stdout);
    });
});
