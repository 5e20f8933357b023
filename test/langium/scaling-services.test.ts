/**
 * The services replaced for performance (issue #6, item 9) answer exactly what Langium's own would:
 * local symbols made on demand, the reference index made when read, the topology resolved again
 * only where its syntax or references changed, and stale temporary files found with one listing.
 * No timing here: `npm run bench` measures.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
    AstUtils, DefaultAstNodeDescriptionProvider, DefaultReferenceDescriptionProvider, DefaultScopeComputation, TextDocument, URI,
    type AstNodeDescription, type LangiumDocument, type ReferenceDescription
} from 'langium';
import { NodeFileSystem } from 'langium/node';
import { createVmtopoServices } from '../../language/src/vmtopo-module.js';
import type { Model, VmtopoAstType } from '../../language/src/generated/ast.js';
import { resolveTopology, type ResolvedTopology } from '../../language/src/model/resolve.js';
import { VmtopoReferenceDescriptionProvider } from '../../language/src/langium/index-manager.js';
import { VmtopoAstNodeDescriptionProvider } from '../../language/src/langium/ast-descriptions.js';
import { RULE_FAMILIES } from '../../language/src/rules/index.js';
import type { RuleCheck } from '../../language/src/rules/engine/rule.js';
import { exportFiles } from '../../language/src/features/export/index.js';
import { messageText } from '../../language/src/kernel/diagnostics.js';
import { removeStaleTempFiles, tempFileName } from '../../language/src/kernel/files.js';
import { buildWorkspace, readRepoFile, type Workspace } from '../support/util.js';
import { HOST } from '../support/fixtures.js';

const EXAMPLES = ['examples/hgx-h200.vmtopo', 'examples/misconfigured.vmtopo'];

/** What a test compares of a description: everything but the node object's identity. */
function describeDescription(d: AstNodeDescription) {
    return { name: d.name, type: d.type, path: d.path, uri: d.documentUri.toString(), selection: d.selectionSegment, nameSegment: d.nameSegment, node: d.node };
}

describe('local symbols made on demand', () => {
    it.each(EXAMPLES)('%s: every container has the symbols Langium\'s scope computation gives it, in the same order', async file => {
        const ws = await buildWorkspace({ 'main.vmtopo': readRepoFile(file) });
        const document = ws.documents[0];
        const langium = await new DefaultScopeComputation(ws.services.vmtopo).collectLocalSymbols(document);
        const lazy = await ws.services.vmtopo.references.ScopeComputation.collectLocalSymbols(document);
        let containers = 0;
        for (const node of [document.parseResult.value, ...AstUtils.streamAllContents(document.parseResult.value)]) {
            expect(lazy.has(node)).toBe(langium.has(node));
            expect(lazy.getStream(node).map(describeDescription).toArray()).toEqual(langium.getStream(node).map(describeDescription).toArray());
            if (langium.has(node)) containers++;
        }
        expect(containers).toBeGreaterThan(2);
    });
});

describe('descriptions of named nodes with their path and segments made when read', () => {
    it.each(EXAMPLES)('%s: every named node is described as Langium describes it', async file => {
        const ws = await buildWorkspace({ 'main.vmtopo': readRepoFile(file) });
        const document = ws.documents[0];
        const langium = new DefaultAstNodeDescriptionProvider(ws.services.vmtopo);
        const ours = ws.services.vmtopo.workspace.AstNodeDescriptionProvider;
        expect(ours).toBeInstanceOf(VmtopoAstNodeDescriptionProvider);
        let named = 0;
        for (const node of AstUtils.streamAllContents(document.parseResult.value)) {
            const name = ws.services.vmtopo.references.NameProvider.getName(node);
            if (!name) continue;
            named++;
            const lazy = ours.createDescription(node, name, document);
            expect(describeDescription(lazy)).toEqual(describeDescription(langium.createDescription(node, name, document)));
        }
        expect(named).toBeGreaterThan(10);
    });
});

/** The host file and two VM files of one host. */
const VMS = {
    'hosts.vmtopo': HOST,
    'a.vmtopo': 'vm a on h {\n    vcpus 2 pin 0,16\n    memory 16 GiB on numa 0\n}\n',
    'b.vmtopo': 'vm b on h {\n    vcpus 2 pin 1,17\n    memory 16 GiB on numa 0\n}\n'
};

/** Langium's reference descriptions of a document, made eagerly as its index manager would. */
async function eagerDescriptions(ws: Workspace, document: LangiumDocument): Promise<ReferenceDescription[]> {
    return new DefaultReferenceDescriptionProvider(ws.services.vmtopo).createDescriptions(document);
}

describe('the reference index, made when read', () => {
    it('holds, per document, the descriptions Langium makes', async () => {
        const ws = await buildWorkspace(VMS);
        const provider = ws.services.vmtopo.workspace.ReferenceDescriptionProvider as VmtopoReferenceDescriptionProvider;
        for (const document of ws.documents) {
            expect(provider.descriptionsOf(document)).toEqual(await eagerDescriptions(ws, document));
        }
    });

    it('find references: the VMs of both files that name the host', async () => {
        const ws = await buildWorkspace(VMS);
        const index = ws.services.shared.workspace.IndexManager;
        const host = ws.documents[0].parseResult.value.hosts[0];
        const path = ws.services.vmtopo.workspace.AstNodeLocator.getAstNodePath(host);
        const expected = (await Promise.all(ws.documents.map(d => eagerDescriptions(ws, d)))).flat()
            .filter(r => r.targetUri.toString() === ws.documents[0].uri.toString() && r.targetPath === path);
        const found = index.findAllReferences(host, path).toArray();
        expect(found).toEqual(expected);
        expect(found.map(r => r.sourceUri.path)).toEqual(['/ws/a.vmtopo', '/ws/b.vmtopo']);
    });

    it('which documents an edit affects: as from Langium\'s descriptions', async () => {
        const ws = await buildWorkspace(VMS);
        const index = ws.services.shared.workspace.IndexManager;
        const uris = ws.documents.map(d => d.uri.toString());
        for (const document of ws.documents) {
            const descriptions = await eagerDescriptions(ws, document);
            for (const changed of [[], [uris[0]], [uris[1]], [uris[2]], uris, ['file:///ws/other.vmtopo']]) {
                const set = new Set(changed);
                expect(index.isAffected(document, set)).toBe(descriptions.some(r => !r.local && set.has(r.targetUri.toString())));
            }
        }
        expect(index.isAffected(ws.documents[1], new Set([uris[0]]))).toBe(true);
    });

    it('after find references has made them, an edit drops and remakes them', async () => {
        const ws = await buildWorkspace(VMS);
        const index = ws.services.shared.workspace.IndexManager;
        const hostPath = () => ws.services.vmtopo.workspace.AstNodeLocator.getAstNodePath(ws.documents[0].parseResult.value.hosts[0]);
        expect(index.findAllReferences(ws.documents[0].parseResult.value.hosts[0], hostPath()).count()).toBe(2);
        const uri = URI.file('/ws/b.vmtopo');
        ws.services.shared.workspace.TextDocuments.set(TextDocument.create(uri.toString(), 'vmtopo', 2, 'vm b on elsewhere {\n    vcpus 2\n}\n'));
        await ws.services.shared.workspace.DocumentBuilder.update([uri], []);
        const host = ws.services.shared.workspace.LangiumDocuments.getDocument(URI.file('/ws/hosts.vmtopo'))!.parseResult.value as Model;
        expect(index.findAllReferences(host.hosts[0], hostPath()).toArray().map(r => r.sourceUri.path)).toEqual(['/ws/a.vmtopo']);
    });
});

/** The resolved topology as plain data (names, numbers, where each object was written). */
function summary(resolved: ResolvedTopology) {
    const where = (obj: object) => {
        const t = resolved.trace.get(obj);
        return t && { node: t.node, property: t.property, index: t.index };
    };
    const { hosts, vms, declarations } = resolved.topology;
    return {
        declarations: declarations.map(d => ({ ...d, where: where(d) })),
        hosts: hosts.map(h => ({
            name: h.name, platform: h.platform, cpu: h.cpu?.model, license: h.license, where: where(h),
            numa: h.numaNodes.map(n => ({ id: n.id, cpus: n.cpus.toString(), memory: n.memoryMiB, where: where(n) })),
            switches: h.switches.map(s => ({ name: s.name, numa: s.numa, parent: s.parentSwitch?.name, where: where(s) })),
            devices: h.devices.map(d => ({ name: d.name, kind: d.kind, numa: d.numa, parent: d.parentSwitch?.name, where: where(d), modelOf: resolved.modelOf.get(where(d)!.node) === d }))
        })),
        vms: vms.map(v => ({
            name: v.name, host: v.host.name, vcpus: v.vcpus, pin: v.pin?.toString(), memory: v.memoryMiB, numa: v.memoryNuma, where: where(v),
            gpus: v.gpus.map(g => ({ gpu: g.gpu.name, mode: g.mode, where: where(g) })),
            nics: v.nics.map(n => ({ nic: n.nic.name, mode: n.mode, where: where(n) }))
        }))
    };
}

async function edit(ws: Workspace, name: string, text: string, version: number): Promise<void> {
    const uri = URI.file(`/ws/${name}`);
    ws.services.shared.workspace.TextDocuments.set(TextDocument.create(uri.toString(), 'vmtopo', version, text));
    await ws.services.shared.workspace.DocumentBuilder.update([uri], []);
}

function models(ws: Workspace): Model[] {
    return ws.services.shared.workspace.LangiumDocuments.all.map(d => d.parseResult.value as Model).toArray();
}

describe('the topology, resolved again only where it changed', () => {
    it('after edits of a VM file and of the host file: the same as resolving everything anew', async () => {
        const ws = await buildWorkspace({ ...VMS, 'example.vmtopo': readRepoFile('examples/hgx-h200.vmtopo') });
        expect(summary(ws.resolved())).toEqual(summary(resolveTopology(models(ws))));

        const before = ws.resolved();
        await edit(ws, 'a.vmtopo', 'vm a on h {\n    vcpus 2 pin 1,17\n    memory 16 GiB on numa 0\n    gpu gpu0 passthrough\n}\n', 2);
        const afterVmEdit = ws.resolved();
        expect(summary(afterVmEdit)).toEqual(summary(resolveTopology(models(ws))));
        // Hosts and the VMs of files not edited are the same objects; the edited VM is new.
        expect(afterVmEdit.topology.hosts).toEqual(before.topology.hosts);
        afterVmEdit.topology.hosts.forEach((h, i) => expect(h).toBe(before.topology.hosts[i]));
        expect(afterVmEdit.topology.vms.find(v => v.name === 'b')).toBe(before.topology.vms.find(v => v.name === 'b'));
        expect(afterVmEdit.topology.vms.find(v => v.name === 'a')).not.toBe(before.topology.vms.find(v => v.name === 'a'));
        expect(afterVmEdit.topology.vms.find(v => v.name === 'a')!.gpus.map(g => g.gpu.name)).toEqual(['gpu0']);

        // The host file changes: the VMs of the other files are resolved against the new host.
        await edit(ws, 'hosts.vmtopo', HOST.replace('host h {', '// the host\nhost h {'), 3);
        const afterHostEdit = ws.resolved();
        expect(summary(afterHostEdit)).toEqual(summary(resolveTopology(models(ws))));
        const newHost = afterHostEdit.topology.hosts.find(h => h.name === 'h')!;
        expect(newHost).not.toBe(afterVmEdit.topology.hosts.find(h => h.name === 'h'));
        expect(afterHostEdit.topology.vms.filter(v => v.name === 'a' || v.name === 'b').map(v => v.host)).toEqual([newHost, newHost]);
        expect(afterHostEdit.topology.vms.find(v => v.name === 'a')!.gpus[0].gpu.host).toBe(newHost);
    });

    it('a VM whose host disappears and comes back', async () => {
        const ws = await buildWorkspace(VMS);
        await edit(ws, 'hosts.vmtopo', HOST.replace('host h {', 'host h9 {'), 2);
        expect(ws.resolved().topology.vms).toEqual([]);
        expect(ws.resolved().topology.declarations.map(d => d.name)).toEqual(['h9', 'a', 'b']);
        await edit(ws, 'hosts.vmtopo', HOST, 3);
        expect(summary(ws.resolved())).toEqual(summary(resolveTopology(models(ws))));
        expect(ws.resolved().topology.vms.map(v => `${v.name} on ${v.host.name}`)).toEqual(['a on h', 'b on h']);
    });
});

describe('where model objects were written: read through the resolution\'s parts', () => {
    const TEMPLATED = `host-template t {
    platform kvm
    socket cpu0 { numa 0  cores 0-7,16-23   memory 256 GiB }
    pcie-switch sw0 at 0000:10:00.0 on cpu0 {
        gpu gpu0 "H200 SXM5 141GB" at 0000:11:00.0
        nic nic0 "ConnectX-7" at 0000:13:00.0
    }
}
host t1 from t { }
host t2 from t {
    nic nic0 "ConnectX-7" at 0000:13:00.0 vfs 2
}
vm v on t2 { vcpus 2 pin 1,17 memory 16 GiB on numa 0 gpu gpu0 passthrough nic nic0 vf 1 }
`;

    it('trace and modelOf answer what maps filled with every link, host by host and VM by VM, would', async () => {
        const ws = await buildWorkspace({ ...VMS, 'templated.vmtopo': TEMPLATED });
        const resolved = ws.resolved();
        const { hosts, vms, declarations } = resolved.topology;
        const [t1, t2] = ['t1', 't2'].map(n => hosts.find(h => h.name === n)!);
        // Every model object is traced to where it was written (a templated host's devices to the template's nodes).
        const objects: object[] = [...declarations, ...hosts, ...hosts.flatMap(h => [...h.numaNodes, ...h.switches, ...h.devices]), ...vms, ...vms.flatMap(v => [...v.gpus, ...v.nics])];
        for (const obj of objects) expect(resolved.trace.get(obj), JSON.stringify(Object.keys(obj))).toBeDefined();
        const templateGpu = resolved.trace.get(t1.devices.find(d => d.name === 'gpu0')!)!.node;
        expect(resolved.trace.get(t2.devices.find(d => d.name === 'gpu0')!)!.node).toBe(templateGpu);
        // A node of the template stands for the devices of both hosts: the last host made from it wins.
        expect(resolved.modelOf.get(templateGpu)).toBe(t2.devices.find(d => d.name === 'gpu0'));
        // A node of a host's own block: that host's object (t2 overrides nic0).
        const ownNic = t2.devices.find(d => d.name === 'nic0')!;
        expect(resolved.modelOf.get(resolved.trace.get(ownNic)!.node)).toBe(ownNic);
        // Iterated, they hold the same entries that the lookups answer.
        expect(resolved.trace.size).toBeGreaterThanOrEqual(objects.length);
        for (const [obj, entry] of resolved.trace) expect(ws.resolved().trace.get(obj)).toBe(entry);
        for (const [node, obj] of resolved.modelOf) expect(ws.resolved().modelOf.get(node)).toBe(obj);
        expect([...resolved.modelOf.keys()]).toContain(templateGpu);

        // After an edit, the objects of the replaced parts are no longer traced in the new resolution (but still in the old one).
        await edit(ws, 'a.vmtopo', 'vm a on h {\n    vcpus 2 pin 1,17\n    memory 16 GiB on numa 0\n}\n', 2);
        const after = ws.resolved();
        const replaced = resolved.topology.vms.find(v => v.name === 'a')!;
        expect(after.topology.vms).not.toContain(replaced);
        expect(after.trace.get(replaced)).toBeUndefined();
        expect(resolved.trace.get(replaced)).toBeDefined();
        const kept = resolved.topology.vms.find(v => v.name === 'b')!;
        expect(after.topology.vms).toContain(kept);
        expect(after.trace.get(kept)).toBe(resolved.trace.get(kept));
    });
});

describe('stale temporary files of many targets: one listing', () => {
    let dir: string;
    beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-stale-')); });
    afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

    it('removes those of every given target, and nothing else', () => {
        const child = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
        const dead = child.pid;
        const long = `${'x'.repeat(250)}.domain.xml`;
        const ours = [`.a.domain.xml.${dead}.0123abcd.vmtopo-tmp`, `.b.1.domain.xml.${dead}.89abcdef.vmtopo-tmp`];
        const longStale = tempFileName(long, dead); // `.xxx…~<hash>.<pid>.<hex>.vmtopo-tmp`
        const kept = [
            `.c.domain.xml.${dead}.0123abcd.vmtopo-tmp`,         // another target
            `.a.domain.xml.${process.ppid}.0123abcd.vmtopo-tmp`, // a live process
            `.a.domain.xml.${dead}.0123abcd.vmtopo-tmp.bak`, `.a.domain.xml.x${dead}.0123abcd.vmtopo-tmp`,
            `.a.domain.xml.${dead}.0123abcg.vmtopo-tmp`, `a.domain.xml`
        ];
        for (const name of [...ours, longStale, ...kept]) fs.writeFileSync(path.join(dir, name), 'partial');
        const removed = removeStaleTempFiles(dir, ['a.domain.xml', 'b.1.domain.xml', long]);
        expect(removed.sort()).toEqual([...ours, longStale].sort());
        expect(fs.readdirSync(dir).sort()).toEqual([...kept].sort());
    });

    it('an export of files in several folders reads them all and writes every VM, in the order of the workspace', async () => {
        const a = path.join(dir, 'a');
        const b = path.join(dir, 'b');
        fs.mkdirSync(a);
        fs.mkdirSync(b);
        fs.writeFileSync(path.join(a, 'hosts.vmtopo'), HOST);
        fs.writeFileSync(path.join(b, 'x.vmtopo'), VMS['b.vmtopo']);
        fs.writeFileSync(path.join(a, 'y.vmtopo'), VMS['a.vmtopo']);
        const files = [path.join(a, 'hosts.vmtopo'), path.join(b, 'x.vmtopo'), path.join(a, 'y.vmtopo')];
        const services = createVmtopoServices(NodeFileSystem);
        const result = await exportFiles(services, { files, format: 'libvirt' });
        expect(result.problems).toEqual([]);
        // The workspace's order: Langium keeps documents by folder, each folder's in the order added.
        expect(services.shared.workspace.LangiumDocuments.all.map(d => d.uri.fsPath).toArray()).toEqual([files[0], files[2], files[1]]);
        expect(result.written).toEqual([path.join(a, 'out', 'a.domain.xml'), path.join(b, 'out', 'b.domain.xml')]);
    });
});

describe('node checks called without a promise each', () => {
    it('a check that throws, or whose promise rejects, is reported once each; the other checks still run, in order', async () => {
        const log: string[] = [];
        const services = createVmtopoServices(undefined, { log: line => log.push(line) });
        const registry = services.vmtopo.validation.ValidationRegistry;
        const seen: string[] = [];
        registry.register<VmtopoAstType>({ Vm: () => { seen.push('first'); throw new Error('sync boom'); } });
        registry.register<VmtopoAstType>({ Vm: () => { seen.push('second'); return Promise.reject(new Error('async boom')); } });
        registry.register<VmtopoAstType>({ Vm: async (_node, accept) => { await Promise.resolve(); seen.push('third'); accept('warning', 'async check ran', { node: _node }); } });
        registry.register<VmtopoAstType>({ Vm: () => { seen.push('fourth'); } });
        const doc = services.shared.workspace.LangiumDocumentFactory.fromString(`${HOST}vm a on h {\n    vcpus 2\n    memory 16 GiB\n}\n`, URI.file('/ws/a.vmtopo'));
        services.shared.workspace.LangiumDocuments.addDocument(doc);
        await services.shared.workspace.DocumentBuilder.build([doc], { validation: true });
        expect(seen).toEqual(['first', 'second', 'third', 'fourth']);
        expect(log.filter(l => /\bsync boom/.test(l))).toHaveLength(1);
        expect(log.filter(l => /async boom/.test(l))).toHaveLength(1);
        expect(services.vmtopo.log.InternalErrors.count).toBe(2);
        const messages = (doc.diagnostics ?? []).map(messageText);
        expect(messages).toContain('async check ran');
        expect(messages.filter(m => /error occurred/.test(m))).toEqual([]);
    });
});

describe('the topology checks, host by host', () => {
    /** Every check over the whole topology at once, as the runner did before it went host by host. */
    function allAtOnce(ws: Workspace): Map<string, string[]> {
        const resolved = ws.resolved();
        const byDocument = new Map<string, string[]>();
        for (const family of RULE_FAMILIES) {
            for (const check of family.checks ?? []) {
                check.run({
                    topology: resolved.topology, resolved,
                    report: r => {
                        const where = resolved.trace.get(r.target);
                        if (!where) return;
                        const uri = AstUtils.getDocument(where.node).uri.toString();
                        const list = byDocument.get(uri) ?? [];
                        byDocument.set(uri, list);
                        list.push(key(r.rule.id, r.severity ?? r.rule.severity, r.message, where.node, r.property ?? where.property, r.property ? undefined : where.index, r.data));
                    }
                });
            }
        }
        return byDocument;
    }

    function key(id: string, severity: string, message: string, node: unknown, property: string | undefined, index: number | undefined, data: unknown): string {
        const n = node as { $type: string; $cstNode?: { offset: number } };
        return JSON.stringify([id, severity, message, n.$type, n.$cstNode?.offset, property, index, data]);
    }

    function hostByHost(ws: Workspace): Map<string, string[]> {
        const runner = ws.services.vmtopo.validation.TopologyRuleRunner;
        const out = new Map<string, string[]>();
        for (const document of ws.services.shared.workspace.LangiumDocuments.all) {
            const reports = runner.reportsFor(document.uri.toString());
            if (reports.length > 0) out.set(document.uri.toString(), reports.map(r => key(r.rule.id, r.severity, r.message, r.node, r.property, r.index, r.data)));
        }
        return out;
    }

    const sorted = (m: Map<string, string[]>) => [...m].map(([uri, list]) => [uri, [...list].sort()]).sort();

    const corpus = fs.readdirSync(path.join(__dirname, '..', 'fuzz-corpus')).filter(f => f.endsWith('.vmtopo')).map(f => `test/fuzz-corpus/${f}`);
    it.each([...EXAMPLES, ...corpus])('%s: the same diagnostics as one run over the whole topology', async file => {
        const ws = await buildWorkspace({ 'main.vmtopo': readRepoFile(file), 'more.vmtopo': readRepoFile('examples/misconfigured.vmtopo').replace(/\b(host|vm) (\S+)/g, '$1 $2x') });
        expect(sorted(hostByHost(ws))).toEqual(sorted(allAtOnce(ws)));
    });

    it('several files with the VMs of two hosts interleaved, before and after an edit: the same diagnostics', async () => {
        const H2 = HOST.replace('host h {', 'host h2 {');
        const ws = await buildWorkspace({
            'hosts.vmtopo': HOST + H2,
            'a.vmtopo': 'vm a on h { vcpus 2 pin 0,16 memory 16 GiB on numa 0 gpu gpu0 passthrough }\nvm c on h2 { vcpus 2 pin 0,16 memory 16 GiB on numa 1 gpu gpu0 passthrough }\n',
            'b.vmtopo': 'vm b on h { vcpus 2 pin 0,17 memory 16 GiB on numa 0 gpu gpu0 passthrough }\nvm d on h2 { vcpus 2 pin 1,17 memory 16 GiB }\n'
        });
        expect(sorted(hostByHost(ws))).toEqual(sorted(allAtOnce(ws)));
        expect(hostByHost(ws).get(URI.file('/ws/b.vmtopo').toString())!.some(k => k.includes('GEN001'))).toBe(true);
        await edit(ws, 'b.vmtopo', 'vm b on h { vcpus 2 pin 2,18 memory 16 GiB on numa 0 gpu gpu1 passthrough }\nvm d on h2 { vcpus 2 pin 0,17 memory 16 GiB }\n', 2);
        expect(sorted(hostByHost(ws))).toEqual(sorted(allAtOnce(ws)));
        expect(hostByHost(ws).get(URI.file('/ws/b.vmtopo').toString())!.some(k => k.includes('GEN001'))).toBe(false);
    });

    it('after an edit of the VMs of one host, the checks run on that host only', async () => {
        const H2 = HOST.replace('host h {', 'host h2 {');
        const ws = await buildWorkspace({
            'hosts.vmtopo': HOST + H2,
            'a.vmtopo': 'vm a on h { vcpus 2 pin 0,16 memory 16 GiB on numa 0 }\n',
            'b.vmtopo': 'vm b on h2 { vcpus 2 pin 0,16 memory 16 GiB on numa 0 }\n'
        });
        const checks = RULE_FAMILIES.flatMap(f => f.checks ?? []);
        const originals = checks.map(c => (c as { run: RuleCheck['run'] }).run);
        const hostsChecked: string[] = [];
        checks.forEach((c, i) => {
            (c as { run: RuleCheck['run'] }).run = ctx => { if (!c.workspace) hostsChecked.push(...ctx.topology.hosts.map(h => h.name)); originals[i].call(c, ctx); };
        });
        try {
            await edit(ws, 'a.vmtopo', 'vm a on h { vcpus 2 pin 1,17 memory 16 GiB on numa 0 }\n', 2);
            hostByHost(ws);
            expect(new Set(hostsChecked)).toEqual(new Set(['h']));
            expect(hostsChecked).toHaveLength(checks.filter(c => !c.workspace).length);
        } finally {
            checks.forEach((c, i) => { (c as { run: RuleCheck['run'] }).run = originals[i]; });
        }
        expect(sorted(hostByHost(ws))).toEqual(sorted(allAtOnce(ws)));
    });
});
