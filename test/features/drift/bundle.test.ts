/**
 * Reading bundles: the collector's own output on this machine is accepted; a truncated, foreign or
 * hostile archive gets one clear error (BundleError, one line) and nothing else.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BundleError, driftAll, hostFacts, readBundle } from '../../../language/src/features/drift/index.js';
import { readTar } from '../../../language/src/features/drift/tar.js';
import { buildWorkspace } from '../../support/util.js';
import { bundleFiles, importedHost, run, tarBundle, tempDir, type BundleFiles } from '../../support/drift-bundles.js';
import { formatCpuList } from '../../../language/src/syntax/tokens.js';

let tmp: string;
beforeAll(() => { tmp = tempDir(); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A small valid bundle of host `h1` (no tools but sysfs' hugepage table). */
const small = (): BundleFiles => bundleFiles('h1', { hugepages: 'node\tsize_kib\tnr_hugepages\tfree_hugepages\tsurplus_hugepages\n0\t2048\t0\t0\t0\n' });

/** The one-line error of reading `bytes` (the rejection of readBundle), or 'accepted'. */
async function refusal(bytes: Uint8Array, limits?: Parameters<typeof readBundle>[2]): Promise<string> {
    try {
        await readBundle(bytes, 'b.tar', limits);
        return 'accepted';
    } catch (err) {
        expect(err).toBeInstanceOf(BundleError);
        const message = (err as Error).message;
        expect(message).not.toContain('\n');
        return message;
    }
}

/** A tar made by the system's tar from a folder laid out by `lay` (paths relative to the folder). */
function tarOf(lay: (dir: string) => void, args: string[] = ['bundle']): Uint8Array {
    const dir = fs.mkdtempSync(path.join(tmp, 'raw-'));
    lay(dir);
    const out = path.join(tmp, `${path.basename(dir)}.tar`);
    run('tar', ['-cf', out, '-C', dir, ...args]);
    return fs.readFileSync(out);
}

describe('bundles made like the collector makes them', () => {
    it('a valid bundle is read: host, manifest commands, missing tools, files', async () => {
        const b = await readBundle(tarBundle(tmp, small()), 'b.tar');
        expect(b.host).toBe('h1');
        expect(b.missing).toEqual(['lstopo', 'virsh', 'nvidia-smi']);
        expect(b.commands.map(c => [c.file, c.exit])).toEqual([['sysfs/hugepages.tsv', 0]]);
        expect(hostFacts(b).hugepages).toEqual([{ node: 0, sizeKiB: 2048, reserved: 0, free: 0 }]);
    });

    it('a gzip-compressed bundle is read the same', async () => {
        expect((await readBundle(gzipSync(tarBundle(tmp, small())), 'b.tar.gz')).host).toBe('h1');
    });
});

describe('hostile or broken bundles: one error each', () => {
    it('truncated in the middle of a file', async () => {
        const bytes = tarBundle(tmp, small());
        const lastByte = bytes.findLastIndex(b => b !== 0);
        expect(await refusal(bytes.subarray(0, lastByte - 5))).toMatch(/^b\.tar: truncated: "bundle\/[^"]+" should have \d+ bytes, the archive ends after \d+$/);
    });

    it('truncated at an entry boundary (no closing zero blocks)', async () => {
        const bytes = tarBundle(tmp, small());
        expect(await refusal(bytes.subarray(0, 512))).toBe('b.tar: truncated: the archive ends without its two closing zero blocks');
    });

    it('not a tar file at all', async () => {
        expect(await refusal(new TextEncoder().encode('hello\n'.repeat(200)))).toMatch(/^b\.tar: not a tar archive/);
    });

    it('a corrupt gzip file', async () => {
        const gz = gzipSync(tarBundle(tmp, small()));
        expect(await refusal(gz.subarray(0, gz.length / 2))).toMatch(/^b\.tar: not a valid gzip file/);
    });

    it('a path climbing out with ..', async () => {
        const bytes = tarOf(dir => {
            fs.mkdirSync(path.join(dir, 'bundle'));
            fs.writeFileSync(path.join(dir, 'evil'), 'x');
        }, ['--absolute-names', '--transform=s,^evil,bundle/../../evil,', 'evil']);
        expect(await refusal(bytes)).toBe('b.tar: "bundle/../../evil": a path outside the bundle (absolute, empty or with ..)');
    });

    it('a symbolic link', async () => {
        const bytes = tarOf(dir => {
            fs.mkdirSync(path.join(dir, 'bundle'));
            fs.symlinkSync('/etc/passwd', path.join(dir, 'bundle', 'manifest.tsv'));
        });
        expect(await refusal(bytes)).toBe('b.tar: "bundle/manifest.tsv": a symbolic link entry; a bundle holds only files and folders');
    });

    it('a huge file (over the entry limit)', async () => {
        const bytes = tarBundle(tmp, small(), new Map([['lstopo.xml', 'x'.repeat(5000)]]));
        expect(await refusal(bytes, { maxEntries: 100, maxEntryBytes: 4096, maxTotalBytes: 1 << 20 })).toBe('b.tar: "bundle/lstopo.xml": 5000 bytes, more than the 4096 an entry may have');
    });

    it('a file that is not UTF-8', async () => {
        const bytes = tarBundle(tmp, small(), new Map([['sysfs/pci.tsv', new Uint8Array([0x61, 0xff, 0xfe, 0x0a])]]));
        expect(await refusal(bytes)).toBe('b.tar: bundle/sysfs/pci.tsv is not UTF-8 text');
    });

    it('an entry name that is not UTF-8', async () => {
        const bytes = tarOf(dir => {
            fs.mkdirSync(path.join(dir, 'bundle'));
            fs.writeFileSync(Buffer.concat([Buffer.from(path.join(dir, 'bundle', 'x')), Buffer.from([0xff, 0xfe])]), 'x');
        });
        expect(await refusal(bytes)).toBe('b.tar: an entry name is not UTF-8');
    });

    it('files outside bundle/ (not a bundle)', async () => {
        const bytes = tarOf(dir => fs.writeFileSync(path.join(dir, 'notes.txt'), 'x'), ['notes.txt']);
        expect(await refusal(bytes)).toBe('b.tar: "notes.txt" is outside bundle/: not a vmtopo bundle');
    });

    it('no manifest', async () => {
        const bytes = tarOf(dir => { fs.mkdirSync(path.join(dir, 'bundle')); fs.writeFileSync(path.join(dir, 'bundle', 'lstopo.xml'), '<topology/>'); });
        expect(await refusal(bytes)).toBe('b.tar: no bundle/manifest.tsv: not a vmtopo bundle (make one with `vmtopo collect`)');
    });

    it('a manifest naming a file the archive lacks', async () => {
        const b = small();
        b.manifest.push(['0', 'lstopo.xml', 'lstopo --of xml -']);
        expect(await refusal(tarBundle(tmp, b))).toBe('b.tar: the manifest names bundle/lstopo.xml, which is not in the archive (truncated?)');
    });

    it('lstopo captured on another host than the manifest says', async () => {
        const b = bundleFiles('h1', { lstopo: '<topology><object type="Machine"><info name="HostName" value="h2"/></object></topology>' });
        expect(await refusal(tarBundle(tmp, b))).toBe('b.tar: lstopo.xml was captured on host "h2", the manifest says "h1": files from two hosts');
    });

    it('a virsh capabilities file that is not capabilities XML: one error when its facts are read', async () => {
        for (const [capabilities, error] of [
            ['<capabilities><host>', /^b\.tar: bundle\/virsh\/capabilities\.xml is not well-formed XML: /],
            ['<domain/>', /^b\.tar: bundle\/virsh\/capabilities\.xml is not libvirt capabilities XML: no <capabilities><host>$/]
        ] as const) {
            const bundle = await readBundle(tarBundle(tmp, bundleFiles('h1', { capabilities })), 'b.tar');
            expect(() => hostFacts(bundle)).toThrow(error);
        }
    });

    it('a bundle of a host the files do not declare', async () => {
        const bundle = await readBundle(tarBundle(tmp, small()), 'b.tar');
        const ws = await buildWorkspace({ 'a.vmtopo': 'host h2 { socket s0 { numa 0 cores 0-3 memory 8 GiB } }' });
        expect(() => driftAll(ws.documents.map(d => d.parseResult.value), ws.resolved(), [bundle]))
            .toThrow('b.tar: collected on host "h1", which the files do not declare (hosts: h2)');
    });
});

/** Lays out `bundle/` with one small file per name given (relative to bundle/), as raw bytes. */
function layFiles(names: ReadonlyArray<string | Buffer>): (dir: string) => void {
    return dir => {
        fs.mkdirSync(path.join(dir, 'bundle'));
        for (const n of names) fs.writeFileSync(Buffer.concat([Buffer.from(path.join(dir, 'bundle') + path.sep), Buffer.from(n)]), 'x');
    };
}

const LONG = `${'a'.repeat(150)}.xml`;

describe('the tar layer (tar-stream read, checked before its data is trusted): one error each', () => {
    it('GNU long names (an L entry), pax paths and UTF-8 names are read as the files\' names', async () => {
        for (const format of ['gnu', 'posix']) {
            const bytes = tarOf(layFiles([LONG, 'nœud-é.xml', `é${LONG}`]), [`--format=${format}`, 'bundle']);
            const files = (await readTar(bytes)).map(f => [f.path, new TextDecoder().decode(f.data)]).sort();
            expect(files, format).toEqual([[`bundle/${LONG}`, 'x'], ['bundle/nœud-é.xml', 'x'], [`bundle/é${LONG}`, 'x']]);
        }
    });

    it('a header whose checksum does not match, after the first entry', async () => {
        const bytes = tarBundle(tmp, small());
        bytes[512] ^= 1;
        expect(await refusal(bytes)).toBe('b.tar: not a tar archive (bad header checksum after "bundle/", from byte 512)');
    });

    it('a pre-POSIX (v7) archive: neither ustar nor GNU', async () => {
        const bytes = tarOf(layFiles(['a.txt']), ['--format=v7', 'bundle']);
        expect(await refusal(bytes)).toBe('b.tar: not a tar archive (a header neither ustar nor GNU)');
    });

    it('an empty file', async () => {
        expect(await refusal(new Uint8Array(0))).toBe('b.tar: truncated: the archive ends without its two closing zero blocks');
    });

    it('truncated inside its closing zero blocks', async () => {
        const bytes = tarBundle(tmp, small());
        const end = Math.ceil((bytes.findLastIndex(b => b !== 0) + 1) / 512) * 512;
        expect(await refusal(bytes.subarray(0, end + 512))).toBe('b.tar: truncated: the archive ends without its two closing zero blocks');
        expect(await refusal(bytes.subarray(0, end + 700))).toBe('b.tar: truncated: the archive ends without its two closing zero blocks');
        expect(await refusal(bytes.subarray(0, end + 1024))).toBe('accepted');
    });

    it('a second archive after the first one\'s end (two tar files put together)', async () => {
        const one = tarBundle(tmp, small());
        const two = new Uint8Array([...one, ...one]);
        expect(await refusal(two)).toBe(`b.tar: "bundle/": an entry after a zero block, the archive's end (at byte ${one.length})`);
    });

    it('a hard link', async () => {
        const bytes = tarOf(dir => {
            fs.mkdirSync(path.join(dir, 'bundle'));
            fs.writeFileSync(path.join(dir, 'bundle', 'a'), 'x');
            fs.linkSync(path.join(dir, 'bundle', 'a'), path.join(dir, 'bundle', 'b'));
        });
        expect(await refusal(bytes)).toMatch(/^b\.tar: "bundle\/[ab]": a hard link entry; a bundle holds only files and folders$/);
    });

    it('a FIFO', async () => {
        const bytes = tarOf(dir => {
            fs.mkdirSync(path.join(dir, 'bundle'));
            run('mkfifo', [path.join(dir, 'bundle', 'pipe')]);
        });
        expect(await refusal(bytes)).toBe('b.tar: "bundle/pipe": a FIFO entry; a bundle holds only files and folders');
    });

    it('more entries than allowed', async () => {
        expect(await refusal(tarBundle(tmp, small()), { maxEntries: 3, maxEntryBytes: 4096, maxTotalBytes: 1 << 20 })).toBe('b.tar: more than 3 entries');
    });

    it('more bytes in all than allowed', async () => {
        const bytes = tarBundle(tmp, small(), new Map([['a.txt', 'x'.repeat(3000)], ['b.txt', 'x'.repeat(3000)]]));
        expect(await refusal(bytes, { maxEntries: 100, maxEntryBytes: 4096, maxTotalBytes: 5000 })).toBe('b.tar: more than 5000 bytes in all');
    });

    it('an entry over the limit is refused from its header, before its data is read (here: cut short)', async () => {
        const bytes = tarBundle(tmp, small(), new Map([['lstopo.xml', 'x'.repeat(5000)]]));
        const header = Buffer.from(bytes).indexOf('bundle/lstopo.xml');
        expect(await refusal(bytes.subarray(0, header + 1024), { maxEntries: 100, maxEntryBytes: 4096, maxTotalBytes: 1 << 20 }))
            .toBe('b.tar: "bundle/lstopo.xml": 5000 bytes, more than the 4096 an entry may have');
    });

    it('a long name that is not UTF-8 (GNU L entry, pax path)', async () => {
        for (const format of ['gnu', 'posix']) {
            const bytes = tarOf(layFiles([Buffer.concat([Buffer.from(LONG), Buffer.from([0xff, 0xfe])])]), [`--format=${format}`, 'bundle']);
            expect(await refusal(bytes), format).toBe('b.tar: an entry name is not UTF-8');
        }
    });

    it('a pax path climbing out with ..', async () => {
        const bytes = tarOf(dir => {
            fs.mkdirSync(path.join(dir, 'bundle'));
            fs.writeFileSync(path.join(dir, 'evil'), 'x');
        }, ['--format=posix', '--absolute-names', `--transform=s,^evil,bundle/${'a'.repeat(300)}/../../evil,`, 'evil']);
        expect(await refusal(bytes)).toMatch(/^b\.tar: "bundle\/a+\.\.\.": a path outside the bundle \(absolute, empty or with \.\.\)$/);
    });
});

describe('the collector (vmtopo-collect.sh)', () => {
    const script = path.resolve(__dirname, '../../../language/src/features/drift/vmtopo-collect.sh');

    it('passes shellcheck as a POSIX sh script', () => {
        const r = spawnSync('shellcheck', ['-s', 'sh', script], { encoding: 'utf8' });
        expect(r.stdout + r.stderr).toBe('');
        expect(r.status).toBe(0);
    });

    it('runs here (no GPU, libvirt\'s test driver) and writes a bundle the reader accepts, in its own temporary folder only', async () => {
        const r = spawnSync('sh', [script], { encoding: 'utf8', env: { ...process.env, TMPDIR: tmp, VMTOPO_VIRSH_URI: 'test:///default' }, timeout: 60_000 });
        expect(r.status, r.stderr).toBe(0);
        const out = r.stdout.trim();
        expect(path.dirname(path.dirname(out))).toBe(tmp);
        expect(fs.readdirSync(path.dirname(out))).toEqual(['vmtopo-bundle.tar']);
        const bundle = await readBundle(fs.readFileSync(out), 'here.tar');
        const facts = hostFacts(bundle);
        // what this machine has: sysfs always; nvidia-smi is missing, and said so
        expect(bundle.missing).toContain('nvidia-smi');
        expect(facts.pci?.size).toBeGreaterThan(0);
        expect(bundle.commands.find(c => c.file === 'proc/cmdline')?.exit).toBe(0);
        // the test driver's predefined domain "test", both XMLs
        expect([...facts.domains?.keys() ?? []]).toEqual(['test']);
        expect(facts.domains?.get('test')?.live?.running).toBe(true);
        for (const c of bundle.commands) expect(bundle.files.has(c.file)).toBe(true);
        // the kernel command line is read (boot-time hugepages, possibly none); the test driver reports no IOMMU
        expect(facts.bootHugepages?.command).toBe('cat /proc/cmdline');
        expect(facts.iommu).toMatchObject({ enabled: false, command: 'virsh -r -c test:///default capabilities' });
        // every BAR column the collector wrote is read: INDEX:SIZE:FLAGS, memory BARs with a size
        const rows = bundle.files.get('sysfs/pci.tsv')!.split('\n').slice(1).filter(l => l !== '').map(l => l.split('\t'));
        for (const row of rows.filter(r => r[15] !== '-')) {
            const memory = row[15].split(',').filter(b => (BigInt(b.split(':')[2]) & 0x200n) !== 0n); // IORESOURCE_MEM
            expect(facts.pci?.get(row[0])?.bars?.map(b => `${b.index}:${b.bytes}`), row[15]).toEqual(memory.map(b => b.split(':').slice(0, 2).join(':')));
        }
        // NUMA nodes: lstopo's when this machine has it (it wins), else the test driver's two cells
        expect(facts.numa?.nodes.size).toBeGreaterThan(0);
        if (facts.numa?.command.startsWith('lstopo')) {
            const online = fs.readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
            expect(formatCpuList([...facts.numa.nodes.values()].flatMap(n => n.cpus))).toBe(online);
        }
    });

    it('its bundle, against what `vmtopo import` makes of its own lstopo capture: no finding at all', async () => {
        const r = spawnSync('sh', [script], { encoding: 'utf8', env: { ...process.env, TMPDIR: tmp, VMTOPO_VIRSH_URI: 'test:///default' }, timeout: 60_000 });
        expect(r.status, r.stderr).toBe(0);
        const bundle = await readBundle(fs.readFileSync(r.stdout.trim()), 'here.tar');
        const lstopo = bundle.files.get('lstopo.xml');
        if (!bundle.commands.some(c => c.file === 'lstopo.xml' && c.exit === 0) || lstopo === undefined) {
            console.log('skipped: this machine has no lstopo');
            return;
        }
        const ws = await buildWorkspace({ 'here.vmtopo': importedHost(lstopo, 'lstopo.xml').text });
        expect(driftAll(ws.documents.map(d => d.parseResult.value), ws.resolved(), [bundle])).toEqual([]);
    });
});
