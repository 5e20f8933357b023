/**
 * The topology diagram (language/src/features/diagram): resolved model → ELK graph → elkjs layout → SVG.
 * Checked on the SVG itself, read back with an XML parser (fast-xml-parser, preserving order) and
 * with xmllint: every device and VM drawn exactly once, nesting of the <g> elements equal to the
 * model's containment (and each child's box inside its parent's), NVLink and VM edges, diagnostics
 * on the nodes and edges they concern, byte-identical output, hostile text shown as text.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { buildWorkspace, readRepoFile, REPO, type Workspace } from '../../support/util.js';
import { documentDiagnostics, renderDiagram, sourceInfo } from '../../../language/src/features/diagram/index.js';
import { switchPath, type DeviceModel, type PcieSwitchModel } from '../../../language/src/model/topology.js';
import type { TopologyResult } from '../../../language/src/protocol.js';

const HGX = readRepoFile('examples/hgx-h200.vmtopo');
const MISCONFIGURED = readRepoFile('examples/misconfigured.vmtopo');

async function diagram(ws: Workspace, options: { host?: string; fleet?: boolean } = {}): Promise<TopologyResult> {
    const resolved = ws.resolved();
    const docs = ws.services.vmtopo.documentation.DocumentationProvider;
    return renderDiagram(resolved.topology, sourceInfo(resolved, n => docs.getDocumentation(n)),
        documentDiagnostics(ws.services.shared.workspace.LangiumDocuments.all), options);
}

/** An element of the SVG as fast-xml-parser's ordered form gives it. */
interface El { tag: string; attrs: Record<string, string>; children: El[]; text: string }

function parseSvg(svg: string): El {
    const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', trimValues: false, processEntities: true, htmlEntities: false });
    const convert = (item: Record<string, unknown>): El | undefined => {
        const tag = Object.keys(item).find(k => k !== ':@');
        if (!tag || tag === '#text' || tag === '?xml') return undefined;
        const content = item[tag] as Record<string, unknown>[];
        const children = content.map(convert).filter((c): c is El => !!c);
        const text = content.filter(c => '#text' in c).map(c => String(c['#text'])).join('');
        return { tag, attrs: (item[':@'] ?? {}) as Record<string, string>, children, text };
    };
    const doc = parser.parse(svg) as Record<string, unknown>[];
    return doc.map(convert).find(e => e?.tag === 'svg')!;
}

function walk(el: El, visit: (el: El, parents: El[]) => void, parents: El[] = []): void {
    visit(el, parents);
    for (const c of el.children) walk(c, visit, [...parents, el]);
}

function nodeGroups(root: El): Map<string, { el: El; parents: El[] }[]> {
    const out = new Map<string, { el: El; parents: El[] }[]>();
    walk(root, (el, parents) => {
        const id = el.attrs['data-node'];
        if (el.tag === 'g' && id !== undefined) out.set(id, [...(out.get(id) ?? []), { el, parents }]);
    });
    return out;
}

const box = (el: El) => {
    const r = el.children.find(c => c.tag === 'rect' && c.attrs.class === 'box')!;
    return { x: Number(r.attrs.x), y: Number(r.attrs.y), w: Number(r.attrs.width), h: Number(r.attrs.height) };
};

/** Node ids of the switches above a device or switch, outermost first. */
const switchPathIds = (d: DeviceModel | PcieSwitchModel) => switchPath(d).map(s => `dev:${d.host.name}/${s.name}`);

const xmllint = spawnSync('xmllint', ['--version']).status === 0;

describe('topology diagram of the HGX H200 example', async () => {
    const ws = await buildWorkspace({ 'hgx.vmtopo': HGX });
    const result = await diagram(ws);
    const root = parseSvg(result.svg);
    const groups = nodeGroups(root);
    const host = ws.resolved().topology.hosts[0];

    it('draws every switch, device and VM of the host exactly once', () => {
        expect(result.host).toBe('sprocket');
        for (const s of host.switches) expect(groups.get(`dev:sprocket/${s.name}`), s.name).toHaveLength(1);
        for (const d of host.devices) expect(groups.get(`dev:sprocket/${d.name}`), d.name).toHaveLength(1);
        const vms = ws.resolved().topology.vms.map(v => v.name);
        expect(vms).toEqual(expect.arrayContaining(['train-a', 'infer-b', 'tenant-c', 'tenant-d']));
        for (const vm of vms) expect(groups.get(`vm:${vm}`), vm).toHaveLength(1);
        expect(result.vms).toEqual(vms);
        expect(host.switches).toHaveLength(8);
        expect(host.devices.filter(d => d.kind === 'gpu')).toHaveLength(8);
        // Switches, devices; per socket the socket, its cores and its memory; 2 VFs and 2 slices of
        // tenant-c and tenant-d; the NVLink fabric; the host; the VMs. Nothing else, nothing twice.
        expect(groups.size).toBe(host.switches.length + host.devices.length + 3 * host.numaNodes.length + 2 + 2 + 1 + 1 + vms.length);
        expect(result.nodes.map(n => n.id).sort()).toEqual([...groups.keys()].sort());
    });

    it('nests the nodes as the model does: host ⊃ socket ⊃ switch ⊃ device, and each box inside its parent', () => {
        for (const d of [...host.switches, ...host.devices]) {
            const [{ el, parents }] = groups.get(`dev:sprocket/${d.name}`)!;
            const chain = parents.map(p => p.attrs['data-node']).filter(Boolean);
            const socket = host.numaNodes.find(n => n.id === d.numa)!.socket;
            expect(chain, d.name).toEqual(['host:sprocket', `socket:sprocket/${socket}`, ...switchPathIds(d)]);
            const inner = box(el);
            const parent = box(parents[parents.length - 1]);
            expect(inner.x).toBeGreaterThanOrEqual(parent.x);
            expect(inner.y).toBeGreaterThanOrEqual(parent.y);
            expect(inner.x + inner.w).toBeLessThanOrEqual(parent.x + parent.w);
            expect(inner.y + inner.h).toBeLessThanOrEqual(parent.y + parent.h);
        }
        expect(switchPath(host.devices.find(d => d.name === 'gpu0')!).map(s => s.name)).toEqual(['sw0']);
        // VFs in use sit in their NIC, vGPU / MIG slices in their GPU.
        expect(groups.get('vf:sprocket/mlx5_8/0')![0].parents.at(-1)!.attrs['data-node']).toBe('dev:sprocket/mlx5_8');
        expect(groups.get('vf:sprocket/mlx5_8/1')![0].parents.at(-1)!.attrs['data-node']).toBe('dev:sprocket/mlx5_8');
        const slices = [...groups.keys()].filter(k => k.startsWith('slice:sprocket/gpu6/'));
        expect(slices).toHaveLength(2);
        for (const s of slices) expect(groups.get(s)![0].parents.at(-1)!.attrs['data-node']).toBe('dev:sprocket/gpu6');
    });

    it('draws the NVLink fabric and one VM edge per GPU, NIC, VF, slice, pinned NUMA node and memory binding', () => {
        const edges: El[] = [];
        walk(root, el => { if (el.tag === 'g' && el.attrs['data-edge'] !== undefined) edges.push(el); });
        const nvlink = edges.filter(e => e.attrs.class.includes('e-nvlink'));
        expect(nvlink.map(e => e.attrs['data-source']).sort()).toEqual(host.devices.filter(d => d.kind === 'gpu').map(d => `dev:sprocket/${d.name}`).sort());
        for (const e of nvlink) {
            expect(e.attrs['data-target']).toBe('fabric:sprocket');
            expect(e.children.find(c => c.tag === 'text')?.text).toBe('NV18');
        }
        const of = (vm: string) => edges.filter(e => e.attrs['data-vms'] === vm).map(e => e.attrs['data-target']);
        const trainA = ws.resolved().topology.vms.find(v => v.name === 'train-a')!;
        expect(of('train-a')).toEqual([
            'dev:sprocket/gpu0', 'dev:sprocket/gpu1', 'dev:sprocket/gpu2', 'dev:sprocket/gpu3',
            ...trainA.nics.map(n => `dev:sprocket/${n.nic.name}`),
            'cores:sprocket/cpu0', 'mem:sprocket/cpu0'
        ]);
        // Every assignment of every VM is an edge: GPUs, NICs, NVSwitches, pinned nodes, memory nodes.
        for (const vm of ws.resolved().topology.vms) {
            const pinnedNodes = new Set(host.numaNodes.filter(n => vm.pin && [...vm.pin].some(c => n.cpus.has(c))).map(n => n.id));
            expect(of(vm.name), vm.name).toHaveLength(vm.gpus.length + vm.nics.length + (vm.nvswitches?.length ?? 0) + pinnedNodes.size + new Set(vm.memoryNuma ?? []).size);
        }
        expect(of('tenant-c')).toEqual(['slice:sprocket/gpu6/tenant-c/0', 'vf:sprocket/mlx5_8/0', 'cores:sprocket/cpu1', 'mem:sprocket/cpu1']);
        expect(of('tenant-d')).toEqual(['slice:sprocket/gpu6/tenant-d/0', 'vf:sprocket/mlx5_8/1', 'cores:sprocket/cpu1', 'mem:sprocket/cpu1']);
        // Every edge has a route.
        for (const e of edges) expect(e.children.find(c => c.tag === 'path')?.attrs.d, e.attrs['data-edge']).toMatch(/^M[\d.]+ [\d.]+( L[\d.]+ [\d.]+)+$/);
    });

    it('colours what a VM holds: passed-through GPUs and its share of the cores bar', () => {
        const gpu0 = groups.get('dev:sprocket/gpu0')![0].el;
        expect(gpu0.attrs.class.split(' ')).toEqual(expect.arrayContaining(['held', 'c0']));
        expect(gpu0.attrs['data-vms']).toBe('train-a');
        expect(groups.get('dev:sprocket/gpu7')![0].el.attrs.class.split(' ')).not.toContain('held');
        const cores0 = groups.get('cores:sprocket/cpu0')![0].el;
        const segs = cores0.children.filter(c => c.attrs.class?.startsWith('seg') && c.attrs['data-vm'] === 'train-a');
        // train-a pins 8-55 and 136-183: two segments of 48 of the node's 128 CPUs each.
        expect(segs.map(s => s.attrs['data-vm'])).toEqual(['train-a', 'train-a']);
        const bar = cores0.children.find(c => c.attrs.class === 'bar')!;
        const width = Number(bar.attrs.width);
        for (const s of segs) expect(Number(s.attrs.width)).toBeCloseTo(width * 48 / 128, 0);
    });

    it('labels devices with name, model and BDF, and puts the hover facts in <title>', () => {
        const gpu0 = groups.get('dev:sprocket/gpu0')![0].el;
        expect(gpu0.children.filter(c => c.tag === 'text').map(t => t.text)).toEqual(['gpu0 · H200 SXM5 141GB', '0000:19:00.0 · module 5']);
        const title = gpu0.children.find(c => c.tag === 'title')!.text;
        expect(title).toContain('gpu0 at 0000:19:00.0, NUMA node 0, behind PCIe switch sw0');
        expect(title).toContain('H200 SXM5 141GB (GPU)');
        const mlx = groups.get('dev:sprocket/mlx5_8')![0].el.children.find(c => c.tag === 'title')!.text;
        // The doc comment above the NIC, as written in the example.
        const comment = /\/\*\* (PF with SR-IOV[^*]*) \*\/\s*\n\s*nic mlx5_8/.exec(HGX)![1];
        expect(mlx.split('\n')[0]).toBe(comment);
        const info = result.nodes.find(n => n.id === 'dev:sprocket/gpu0')!;
        expect(info.range).toMatchObject({ uri: 'file:///ws/hgx.vmtopo', start: { line: HGX.split('\n').findIndex(l => l.includes('gpu gpu0 ')) } });
        expect(info.facts.join('\n')).toBe(title);
    });

    it('uses a font stack that browsers and rsvg-convert both have, and a legend of the VMs', () => {
        expect(root.attrs['font-family']).toBe('DejaVu Sans, Liberation Sans, Arial, sans-serif');
        const legend: string[] = [];
        walk(root, el => { if (el.attrs.class === 'legend-vm') legend.push(el.attrs['data-vms']); });
        expect(legend).toEqual(ws.resolved().topology.vms.map(v => v.name));
    });

    it('gives byte-identical SVG for the same input, in a fresh workspace too', async () => {
        expect((await diagram(ws)).svg).toBe(result.svg);
        const again = await buildWorkspace({ 'hgx.vmtopo': HGX });
        expect((await diagram(again)).svg).toBe(result.svg);
    });

    it.skipIf(!xmllint && !process.env.CI)('is well-formed XML (xmllint --noout)', () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-diagram-'));
        const file = path.join(dir, 'hgx.svg');
        fs.writeFileSync(file, result.svg);
        expect(() => execFileSync('xmllint', ['--noout', file], { stdio: 'pipe' })).not.toThrow();
        fs.rmSync(dir, { recursive: true, force: true });
    });
});

describe('diagnostics on the diagram (misconfigured example)', async () => {
    const ws = await buildWorkspace({ 'bad.vmtopo': MISCONFIGURED });
    const result = await diagram(ws, { host: 'kvm01' });
    const root = parseSvg(result.svg);
    const groups = nodeGroups(root);
    const edge = (id: string) => {
        let found: El | undefined;
        walk(root, el => { if (el.attrs['data-edge'] === id) found = el; });
        return found!;
    };

    it('badges the GPU two VMs hold (GEN001) and marks the edge of the VM that takes it', () => {
        const gpu2 = groups.get('dev:kvm01/gpu2')![0].el;
        expect(gpu2.attrs.class.split(' ')).toContain('has-error');
        expect(gpu2.children.some(c => c.tag === 'g' && c.attrs.class === 'badge error')).toBe(true);
        expect(gpu2.children.find(c => c.tag === 'title')!.text).toContain('GEN001');
        expect(edge('e:dup/gpu/0').attrs.class.split(' ')).toContain('error');
        expect(edge('e:infer/gpu/0').attrs.class.split(' ')).not.toContain('error');
    });

    it('draws the NIC across the socket red (NIC001) and the vCPUs pinned off the GPUs\' node (LOC001) as a warning edge', () => {
        const nic = edge('e:infer/nic/0');
        expect(nic.attrs['data-target']).toBe('dev:kvm01/eth0');
        expect(nic.attrs.class.split(' ')).toContain('error');
        expect(nic.children.find(c => c.tag === 'title')!.text).toContain('NIC001');
        const pin = edge('e:train/cores/1');
        expect(pin.attrs.class.split(' ')).toContain('warning');
        expect(pin.children.find(c => c.tag === 'title')!.text).toContain('LOC001');
        // The GPUs the VM is pinned away from carry the warning badge.
        for (const gpu of ['gpu0', 'gpu1']) {
            const el = groups.get(`dev:kvm01/${gpu}`)![0].el;
            expect(el.children.find(c => c.tag === 'title')!.text, gpu).toContain('LOC001');
        }
    });

    it('lists every host for the picker, and says so for an unknown host', async () => {
        expect(result.hosts.length).toBeGreaterThan(1);
        expect(result.hosts[0]).toBe('kvm01');
        const unknown = await diagram(ws, { host: 'nope' });
        expect(unknown.svg).toBe('');
        expect(unknown.message).toMatch(/^no host named 'nope'; hosts: kvm01, /);
    });
});

describe('hostile names and doc comments', async () => {
    const hostile = '<script>alert(1)</script> "q" \'a\' & ]]> <!-- x -->';
    const text = `/** ${hostile} */
host h1 {
    socket s0 { cores 0-7 memory 64 GiB }
    /** ${hostile} */
    gpu g0 "H100 SXM5 80GB" at 0000:19:00.0
}
/** ${hostile} */
vm v1 on h1 { vcpus 2 pin 0-1 memory 8 GiB on numa 0 gpu g0 passthrough }
`;
    const ws = await buildWorkspace({ 'hostile.vmtopo': text });
    const result = await diagram(ws);

    it('shows them as text: escaped in the SVG, the same characters when read back', () => {
        expect(result.svg).not.toContain('<script');
        expect(result.svg).not.toContain(']]>');
        expect(result.svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot; &apos;a&apos; &amp; ]]&gt; &lt;!-- x --&gt;');
        const root = parseSvg(result.svg);
        const titles: string[] = [];
        walk(root, el => { if (el.tag === 'title') titles.push(el.text); });
        // The host, the GPU and the VM carry the comment in their hover, as written.
        expect(titles.filter(t => t.includes(hostile))).toHaveLength(3);
        expect(root.children.some(c => c.tag === 'script')).toBe(false);
    });

    it.skipIf(!xmllint && !process.env.CI)('stays well-formed XML (xmllint --noout)', () => {
        const r = spawnSync('xmllint', ['--noout', '-'], { input: result.svg });
        expect(r.stderr.toString()).toBe('');
        expect(r.status).toBe(0);
    });
});

describe('fleet overview', async () => {
    // 64 copies of the HGX host with their VMs, one file per host (as the benchmark's fleet).
    const files: Record<string, string> = {};
    for (let i = 0; i < 64; i++) {
        const name = `h${String(i).padStart(2, '0')}`;
        files[`${name}.vmtopo`] = HGX.replace(/\bhost sprocket\b/g, `host ${name}`).replace(/^vm (\S+) on sprocket\b/gm, `vm ${name}-$1 on ${name}`);
    }
    const ws = await buildWorkspace(files);
    const perHost = [...HGX.matchAll(/^vm \S+ on sprocket\b/gm)].length;

    it('draws one card per host with its GPU use, and one host of the fleet on request', async () => {
        const fleet = await diagram(ws, { fleet: true });
        expect(fleet.view).toBe('fleet');
        const root = parseSvg(fleet.svg);
        const cards: El[] = [];
        walk(root, el => { if (el.attrs['data-kind'] === 'hostcard') cards.push(el); });
        expect(cards.map(c => c.attrs['data-host'])).toEqual(Object.keys(files).map(f => f.replace('.vmtopo', '')));
        for (const card of cards) {
            expect(card.children.filter(c => c.tag === 'text').map(t => t.text)).toContain(`GPUs 7/8 in use · ${perHost} VMs`);
            expect(card.children.filter(c => c.attrs.class?.startsWith('gpucell'))).toHaveLength(8);
        }
        const one = await diagram(ws, { host: 'h31' });
        expect(one.host).toBe('h31');
        expect(one.vms).toEqual([...HGX.matchAll(/^vm (\S+) on sprocket\b/gm)].map(m => `h31-${m[1]}`));
        expect(one.hosts).toHaveLength(64);
    });
});

describe('half-typed and broken input', () => {
    const corpus = path.join(REPO, 'test', 'fuzz-corpus');
    const broken: Record<string, string> = {
        'duplicate names': 'host h { socket s { cores 0-3 memory 8 GiB }\n gpu g "H100 SXM5 80GB" at 0000:19:00.0\n gpu g "H100 SXM5 80GB" at 0000:1a:00.0 }\nvm v on h { vcpus 1 gpu g passthrough }\nvm v on h { vcpus 1 }',
        'no sockets': 'host h { gpu g "H100 SXM5 80GB" at 0000:19:00.0\n nvswitch n at 0000:03:00.0 }\nvm v on h { vcpus 2 pin 0-1 memory 1 GiB on numa 3 gpu g passthrough }',
        'half-typed': 'host h { socket s { cores 0-3 memory 8 GiB }\n pcie-switch sw at 0000:10:00.0 { gpu g "H100 SXM5 80GB" at 0000:1',
        'empty host': 'host h { }',
        'cross-host reference': 'host a { gpu g "H100 SXM5 80GB" at 0000:19:00.0 }\nhost b { socket s { cores 0-1 memory 1 GiB } }\nvm v on b { vcpus 1 gpu g passthrough }'
    };
    for (const f of fs.existsSync(corpus) ? fs.readdirSync(corpus).filter(f => f.endsWith('.vmtopo')) : []) broken[f] = fs.readFileSync(path.join(corpus, f), 'utf8');

    it('draws every host and the fleet of each, well-formed, without throwing', async () => {
        const { XMLValidator } = await import('fast-xml-parser');
        for (const [name, text] of Object.entries(broken)) {
            const ws = await buildWorkspace({ 'x.vmtopo': text });
            const hosts = ws.resolved().topology.hosts.map(h => h.name);
            for (const options of [...hosts.map(host => ({ host })), { fleet: true }]) {
                const result = await diagram(ws, options);
                if (result.svg) expect(XMLValidator.validate(result.svg), `${name} ${JSON.stringify(options)}`).toBe(true);
                else expect(result.message, name).toBeDefined();
            }
        }
    }, 300_000);
});
