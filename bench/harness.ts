/**
 * In-process benchmark harness, bundled on the fly by `bench/run.mjs` (esbuild, to a temp folder) so
 * that the benchmark runs the same code as the CLI: `readInputFiles` + `checkFiles` with
 * `createVmtopoServices(NodeFileSystem)`, `exportFiles` as `vmtopo export` calls it, and a
 * keystroke as the language server sees it (`TextDocuments.set` + `DocumentBuilder.update`).
 */
import { DocumentState, TextDocument, URI } from 'langium';
import { NodeFileSystem } from 'langium/node';
import { createVmtopoServices } from '../language/src/vmtopo-module.js';
import { checkFiles, countBySeverity, type FileDiagnostics } from '../language/src/cli/check.js';
import { readInputFiles } from '../language/src/cli/input.js';
import { exportFiles, type ExportFormat } from '../language/src/features/export/index.js';

/** Where the time of one check went, in ms. */
export interface Phases {
    /** Creating the services and the parser (the grammar, Chevrotain's self-analysis): constant. */
    readonly setup: number;
    /** Reading the files (and checking they are UTF-8). */
    readonly read: number;
    /** Lexing and parsing every document (`LangiumDocumentFactory.fromString`). */
    readonly parse: number;
    /** Indexing, local scopes, linking and reference indexing: up to `IndexedReferences`. */
    readonly link: number;
    /** The rest: validation (node checks, the topology rules once, rule control). */
    readonly validate: number;
}

export interface CheckRun {
    /** Wall time of setup + read + parse + link + validate of all files, in ms. */
    readonly ms: number;
    readonly phases: Phases;
    readonly errors: number;
    readonly warnings: number;
    /** Kept alive so that heap use can be measured and documents edited. */
    readonly services: ReturnType<typeof createVmtopoServices>;
    readonly results: FileDiagnostics[];
}

/** What `vmtopo check FILES` does, in-process and timed, phase by phase. */
export async function checkWorkspace(files: readonly string[]): Promise<CheckRun> {
    const start = performance.now();
    const services = createVmtopoServices(NodeFileSystem);
    // The parser is built lazily on the first parse; build it here so that `parse` is parsing only.
    void services.vmtopo.parser.LangiumParser;
    const setupEnd = performance.now();
    const inputs = readInputFiles(files);
    const readEnd = performance.now();
    // `checkFiles` parses every document (fromString), then calls `DocumentBuilder.build`, which
    // first notifies the update listeners (so: parsing has ended), then runs the build phases.
    const builder = services.shared.workspace.DocumentBuilder;
    let parseEnd: number | undefined;
    let linkEnd: number | undefined;
    const hooks = [
        builder.onUpdate(() => { parseEnd ??= performance.now(); }),
        builder.onBuildPhase(DocumentState.IndexedReferences, () => { linkEnd ??= performance.now(); })
    ];
    const results = await checkFiles(services.shared, inputs);
    const end = performance.now();
    hooks.forEach(h => h.dispose());
    parseEnd ??= end;
    linkEnd ??= parseEnd;
    const { errors, warnings } = countBySeverity(results);
    return {
        ms: end - start,
        phases: { setup: setupEnd - start, read: readEnd - setupEnd, parse: parseEnd - readEnd, link: linkEnd - parseEnd, validate: end - linkEnd },
        errors, warnings, services, results
    };
}

/**
 * The parse-only run that the check is compared with: fresh services as {@link checkWorkspace} makes
 * them (parser built before timing), the files read (not timed), then every document lexed and
 * parsed (`LangiumDocumentFactory.fromString`), the documents kept (as the check keeps them), and
 * nothing else. Returns the parsing time in ms and the number of lexing and parsing errors.
 */
export function parseWorkspace(files: readonly string[]): { ms: number; errors: number } {
    const services = createVmtopoServices(NodeFileSystem);
    void services.vmtopo.parser.LangiumParser;
    const inputs = readInputFiles(files);
    const factory = services.shared.workspace.LangiumDocumentFactory;
    const start = performance.now();
    const documents = inputs.map(file => factory.fromString(file.text, URI.file(file.absolute)));
    const ms = performance.now() - start;
    return { ms, errors: documents.reduce((n, d) => n + d.parseResult.lexerErrors.length + d.parseResult.parserErrors.length, 0) };
}

/** What `vmtopo export FORMAT FILES -o OUT` does, in-process and timed (fresh services, as the CLI). */
export async function exportWorkspace(files: readonly string[], format: ExportFormat, outDir: string): Promise<{ ms: number; ok: boolean; written: number; problems: string[] }> {
    const start = performance.now();
    const services = createVmtopoServices(NodeFileSystem);
    const result = await exportFiles(services, { files: [...files], format, outDir });
    const ms = performance.now() - start;
    return { ms, ok: result.ok, written: result.written.length, problems: result.problems.slice(0, 3) };
}

/**
 * One edit as an editor sends it: the new full text of `file` (absolute path) goes into
 * `TextDocuments`, then `DocumentBuilder.update` re-parses it and re-links and re-validates what
 * depends on it. Returns the time in ms and the errors of the edited file afterwards.
 */
export async function editAndUpdate(run: CheckRun, file: string, newText: string, version: number): Promise<{ ms: number; errors: number }> {
    const { shared } = run.services;
    const uri = URI.file(file);
    const start = performance.now();
    shared.workspace.TextDocuments.set(TextDocument.create(uri.toString(), 'vmtopo', version, newText));
    await shared.workspace.DocumentBuilder.update([uri], []);
    const ms = performance.now() - start;
    const document = shared.workspace.LangiumDocuments.getDocument(uri);
    const errors = (document?.diagnostics ?? []).filter(d => (d.severity ?? 1) === 1).length;
    return { ms, errors };
}

/**
 * The topology diagram of a checked workspace, timed (resolved model → ELK graph → elkjs layout →
 * SVG, what `vmtopo graph` and the language server's `vmtopo/topology` run): `runs` times, in ms,
 * with the node count and SVG size of the last run. `fleet`: the fleet overview instead of `host`.
 */
export async function diagramTimes(run: CheckRun, options: { host?: string; fleet?: boolean }, runs: number): Promise<{ ms: number[]; nodes: number; bytes: number }> {
    const { renderDiagram, sourceInfo, documentDiagnostics } = await import('../language/src/features/diagram/index.js');
    const { shared, vmtopo } = run.services;
    const resolved = vmtopo.model.TopologyProvider.get();
    const docs = vmtopo.documentation.DocumentationProvider;
    const diagnostics = documentDiagnostics(shared.workspace.LangiumDocuments.all);
    const ms: number[] = [];
    let nodes = 0;
    let bytes = 0;
    for (let i = 0; i < runs; i++) {
        const start = performance.now();
        const result = await renderDiagram(resolved.topology, sourceInfo(resolved, n => docs.getDocumentation(n)), diagnostics, options);
        ms.push(performance.now() - start);
        nodes = result.nodes.length;
        bytes = result.svg.length;
    }
    return { ms, nodes, bytes };
}

/**
 * A fleet written with one host template (`host-template hgx-h200 { … }` once, then
 * `host nodeNNN from hgx-h200 { }` per server, every tenth overriding a NIC's VF count) and one
 * 2-GPU VM per host, in `dir/fleet.vmtopo`; checked as `vmtopo check` does. Returns the check, the
 * number of resolved hosts and VMs, and the file's size.
 */
export async function templateFleet(dir: string, hosts = 64): Promise<{ check: CheckRun; hosts: number; vms: number; lines: number }> {
    const out: string[] = [
        'host-template hgx-h200 {',
        '    platform kvm',
        '    cpu "Xeon Platinum 8592+"',
        '    socket cpu0 { numa 0  cores 0-63,128-191   memory 1024 GiB }',
        '    socket cpu1 { numa 1  cores 64-127,192-255 memory 1024 GiB }'
    ];
    const buses = ['16', '38', '49', '5a', '98', 'b8', 'c8', 'd8'];
    buses.forEach((b, i) => {
        const bus = parseInt(b, 16);
        const hex = (n: number) => n.toString(16).padStart(2, '0');
        out.push(`    pcie-switch sw${i} at 0000:${b}:00.0 on cpu${i < 4 ? 0 : 1} link 32 GT/s x16 {`,
            `        gpu gpu${i} "H200 SXM5 141GB" at 0000:${hex(bus + 3)}:00.0 module ${i + 1}`,
            `        nic mlx5_${i} "ConnectX-7" at 0000:${hex(bus + 4)}:00.0 speed 400 Gb/s`,
            '    }');
    });
    out.push('}');
    for (let h = 0; h < hosts; h++) {
        const name = `node${String(h).padStart(3, '0')}`;
        out.push(h % 10 === 0
            ? `host ${name} from hgx-h200 {\n    nic mlx5_7 "ConnectX-7" at 0000:dc:00.0 speed 400 Gb/s vfs 8\n}`
            : `host ${name} from hgx-h200 { }`);
        out.push(`vm ${name}-train on ${name} {\n    vcpus 8 pin 8-11,136-139\n    memory 64 GiB on numa 0 hugepages 1 GiB\n    gpu gpu0, gpu1 passthrough\n    nic mlx5_0 passthrough\n    mmio 1024 GiB\n}`);
    }
    const text = `${out.join('\n')}\n`;
    const fs = await import('node:fs');
    const path = await import('node:path');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'fleet.vmtopo');
    fs.writeFileSync(file, text);
    const check = await checkWorkspace([file]);
    const topology = check.services.vmtopo.model.TopologyProvider.get().topology;
    return { check, hosts: topology.hosts.length, vms: topology.vms.length, lines: text.split('\n').length };
}

/**
 * `vmtopo drift` of a fleet: `hosts` copies of `exampleFile` (examples/hgx-h200.vmtopo: host
 * `sprocket` renamed `hNNNN`, its VMs `hNNNN-…`), one file per host, and one bundle per host as
 * `vmtopo collect` would make it on an untouched host: every VM's domain as libvirt's test driver
 * (`virsh -c test:///default`, one session) defines it from vmtopo's export, the
 * hugepage pools the file declares, and sysfs rows of the host's devices. Times what `vmtopo drift
 * BUNDLES... FILES...` does in-process (read and check the bundles, parse and link the files,
 * compare; reporting included) and returns the findings' count (0 expected: the bundles are
 * untouched).
 */
export async function driftFleet(dir: string, exampleFile: string, hosts = 64): Promise<{ ms: number; exit: number; findings: number; bundles: number; bundleKiB: number }> {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { spawnSync } = await import('node:child_process');
    const { exportVm } = await import('../language/src/features/export/index.js');
    const { formatBdf } = await import('../language/src/syntax/tokens.js');
    const { runDrift } = await import('../language/src/cli/drift.js');
    const example = fs.readFileSync(exampleFile, 'utf8');
    fs.mkdirSync(dir, { recursive: true });
    const hostNames = Array.from({ length: hosts }, (_, h) => `h${String(h).padStart(4, '0')}`);
    const files = hostNames.map(name => {
        const file = path.join(dir, `${name}.vmtopo`);
        fs.writeFileSync(file, example.replace(/\bhost sprocket\b/g, `host ${name}`).replace(/^vm (\S+) on sprocket\b/gm, `vm ${name}-$1 on ${name}`));
        return file;
    });
    // every VM through libvirt's test driver: exported by vmtopo, defined, dumped (one virsh session)
    const services = createVmtopoServices();
    const docs = files.map(f => {
        const d = services.shared.workspace.LangiumDocumentFactory.fromString(fs.readFileSync(f, 'utf8'), URI.file(f));
        services.shared.workspace.LangiumDocuments.addDocument(d);
        return d;
    });
    await services.shared.workspace.DocumentBuilder.build(docs, { validation: false });
    const topology = services.vmtopo.model.TopologyProvider.get().topology;
    const xmlDir = path.join(dir, 'xml');
    fs.mkdirSync(xmlDir);
    const commands = topology.vms.map(v => {
        const file = path.join(xmlDir, `${v.name}.xml`);
        fs.writeFileSync(file, exportVm(v, 'libvirt'));
        return `define ${file}`;
    });
    for (const v of topology.vms) commands.push(`domuuid ${v.name}`, `dumpxml --inactive ${v.name}`);
    const virsh = spawnSync('virsh', ['-q', '-c', 'test:///default', commands.join(' ; ')], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const domains = [...virsh.stdout.matchAll(/<domain[\s\S]*?<\/domain>\n/g)].map(m => m[0]);
    const uuids = [...virsh.stdout.matchAll(/^([0-9a-f]{8}-[0-9a-f-]{27})$/gm)].map(m => m[1]);
    if (domains.length !== topology.vms.length || uuids.length !== domains.length) throw new Error(`virsh test driver: ${virsh.stderr}`);
    const bundles: string[] = [];
    for (const host of topology.hosts) {
        const pci = ['address\tvendor\tdevice\tclass\tsubsystem_vendor\tsubsystem_device\tnuma_node\tiommu_group\tsriov_numvfs\tsriov_totalvfs\tcurrent_link_speed\tcurrent_link_width\tmax_link_speed\tmax_link_width\tpath\tbars',
            // one IOMMU group per function: a host with its IOMMU on (none at all would be DRIFT023 under the passthrough VMs)
            ...host.devices.map((d, i) => [formatBdf(d.address), '-', '-', '-', '-', '-', String(d.numa), String(i + 1), d.kind === 'nic' ? String(d.vfs) : '-', '-', '-', '-', '-', '-', '-', '-'].join('\t'))].join('\n');
        const huge = ['node\tsize_kib\tnr_hugepages\tfree_hugepages\tsurplus_hugepages',
            ...host.numaNodes.flatMap(n => n.hugepagePools.map(p => `${n.id}\t${p.sizeMiB * 1024}\t${p.count}\t${p.count}\t0`))].join('\n');
        const root = path.join(dir, `bundle-${host.name}`);
        const write = (rel: string, text: string) => {
            fs.mkdirSync(path.dirname(path.join(root, 'bundle', rel)), { recursive: true });
            fs.writeFileSync(path.join(root, 'bundle', rel), text);
        };
        const manifest = ['vmtopo-bundle\t1', `host\t${host.name}.example.com`, 'missing\tlstopo', 'missing\tnvidia-smi'];
        const mine = topology.vms.map((v, i) => ({ v, i })).filter(x => x.v.host === host);
        write('virsh/domains.txt', `${mine.map(x => uuids[x.i]).join('\n')}\n`);
        manifest.push('run\t0\tvirsh/domains.txt\tvirsh -r list --all --uuid');
        for (const { i } of mine) {
            const rel = `virsh/domain/${uuids[i]}.inactive.xml`;
            write(rel, domains[i]);
            manifest.push(`run\t0\t${rel}\tvirsh -r dumpxml --inactive ${uuids[i]}`);
        }
        write('sysfs/pci.tsv', `${pci}\n`);
        write('sysfs/hugepages.tsv', `${huge}\n`);
        manifest.push('run\t0\tsysfs/pci.tsv\tread /sys/bus/pci/devices/*', 'run\t0\tsysfs/hugepages.tsv\tread /sys/devices/system/node/node*/hugepages/*');
        write('manifest.tsv', `${manifest.join('\n')}\n`);
        const tar = path.join(dir, `${host.name}.tar`);
        const r = spawnSync('tar', ['-cf', tar, '-C', root, 'bundle']);
        if (r.status !== 0) throw new Error(`tar: ${String(r.stderr)}`);
        bundles.push(tar);
    }
    let out = '';
    const io = { stdout: (t: string) => { out += t; }, stderr: (t: string) => { out += t; }, cwd: dir, env: {} };
    const start = performance.now();
    const exit = await runDrift([...bundles, ...files], 'json', 'bench', io);
    const ms = performance.now() - start;
    let findings: number;
    try { findings = (JSON.parse(out) as unknown[]).length; } catch { throw new Error(`vmtopo drift: ${out.slice(0, 500)}`); }
    const bundleKiB = bundles.reduce((n, b) => n + fs.statSync(b).size, 0) / 1024;
    return { ms, exit, findings, bundles: bundles.length, bundleKiB };
}
