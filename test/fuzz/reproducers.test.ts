/**
 * Survive any input (issue #5): the reproducers that crashed, hung or misbehaved, each as the text a
 * user typed and what must happen now. Each builds with the services the language server uses and
 * a log that collects internal failures; none may appear, and Langium's "An error occurred during
 * validation" must never reach the user.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { URI } from 'langium';
import type { Diagnostic } from 'vscode-languageserver-types';
import { createVmtopoServices } from '../../language/src/vmtopo-module.js';
import type { Model } from '../../language/src/generated/ast.js';
import { ExportError, exportVm } from '../../language/src/features/export/index.js';
import { messageText } from '../../language/src/kernel/diagnostics.js';
import { parseCpuList } from '../../language/src/syntax/tokens.js';
import { findGpu } from '../../language/src/catalog/index.js';
import { runCli } from '../../language/src/cli/cli.js';
import { MAX_BLOCK_DEPTH, MAX_FILE_BYTES, MAX_FILE_LINES, MAX_LEXER_ERRORS, MAX_VCPUS } from '../../language/src/syntax/limits.js';
import { HOST } from '../support/fixtures.js';
import { withCode } from '../support/util.js';

/** Services with a collecting log, and a console that must stay silent. */
function services() {
    const log: string[] = [];
    const s = createVmtopoServices(undefined, { log: line => log.push(line) });
    return { ...s, log };
}

let consoleErrors: string[];
beforeEach(() => {
    consoleErrors = [];
    for (const level of ['error', 'warn'] as const) {
        vi.spyOn(console, level).mockImplementation((...args: unknown[]) => { consoleErrors.push(args.map(String).join(' ')); });
    }
});
afterEach(() => {
    vi.restoreAllMocks();
});

let counter = 0;
/** Builds `text` as a new document of the given services; returns the document and its diagnostics. */
async function check(s: ReturnType<typeof services>, text: string) {
    const doc = s.shared.workspace.LangiumDocumentFactory.fromString<Model>(text, URI.file(`/ws/doc${counter++}.vmtopo`));
    s.shared.workspace.LangiumDocuments.addDocument(doc);
    await s.shared.workspace.DocumentBuilder.build([doc], { validation: true });
    return { doc, diagnostics: doc.diagnostics ?? [] };
}

/** No internal failure anywhere: log, console, and no "An error occurred" diagnostic. */
function expectNoInternalErrors(s: ReturnType<typeof services>, diagnostics: Diagnostic[]): void {
    expect(s.log).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(s.vmtopo.log.InternalErrors.count).toBe(0);
    expect(diagnostics.filter(d => /error occurred|has no name|TypeError|RangeError/.test(messageText(d)))).toEqual([]);
}

/** Hover at every offset of a short text: never throws. */
async function hoverEverywhere(s: ReturnType<typeof services>, doc: { textDocument: { getText(): string; positionAt(o: number): { line: number; character: number } }; uri: URI }): Promise<void> {
    const text = doc.textDocument.getText();
    for (let offset = 0; offset <= text.length; offset++) {
        await s.vmtopo.lsp.HoverProvider!.getHoverContent(doc as never, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(offset) });
    }
}

describe('1. a device with no model string yet', () => {
    it('`host h{gpu` gives parse errors, no TypeError from the catalog, and hover works everywhere', async () => {
        const s = services();
        const { doc, diagnostics } = await check(s, 'host h{gpu');
        expect(diagnostics.length).toBeGreaterThan(0);
        expect(s.vmtopo.model.TopologyProvider.get().topology.hosts.map(h => h.name)).toEqual(['h']);
        await hoverEverywhere(s, doc);
        expectNoInternalErrors(s, diagnostics);
    });

    it('a GPU with a name and an address but no model yet is left out of the model', async () => {
        const s = services();
        const { diagnostics } = await check(s, 'host h { gpu g at 0000:01:00.0 }');
        expect(s.vmtopo.model.TopologyProvider.get().topology.hosts[0].devices).toEqual([]);
        expectNoInternalErrors(s, diagnostics);
    });
});

describe('2. a device with no name yet, referenced from a VM', () => {
    it('`vm n h gpu a` + `host h{gpu` logs nothing about nameless nodes', async () => {
        const s = services();
        const { doc, diagnostics } = await check(s, 'vm n h gpu a\nhost h{gpu');
        await hoverEverywhere(s, doc);
        expectNoInternalErrors(s, diagnostics);
    });

    it('`vm n on h { gpu a passthrough }` with `host h { gpu }`: the reference is unresolved, not a crash', async () => {
        const s = services();
        const { diagnostics } = await check(s, 'host h { gpu }\nvm n on h { gpu a passthrough }');
        expect(diagnostics.some(d => /Could not resolve reference/.test(messageText(d)))).toBe(true);
        expectNoInternalErrors(s, diagnostics);
    });
});

describe('completion over half-built nodes', () => {
    /** Completion at every offset; returns the labels offered at the end of the text. */
    async function completeEverywhere(s: ReturnType<typeof services>, text: string): Promise<string[]> {
        const { doc } = await check(s, text);
        let labels: string[] = [];
        for (let offset = 0; offset <= text.length; offset++) {
            const list = await s.vmtopo.lsp.CompletionProvider!.getCompletion(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(offset) });
            labels = (list?.items ?? []).map(i => i.label);
        }
        return labels;
    }

    it('a NIC not built yet (`host {` + `nic "ConnectX-7" … on cpu`) logs nothing', async () => {
        const s = services();
        await completeEverywhere(s, 'host {\n    nic "ConnectX-7" 0000:20:00.0 on cpu');
        expectNoInternalErrors(s, []);
    });

    it('offers the host\'s sockets after `on` of a NIC that is still being typed', async () => {
        const s = services();
        const labels = await completeEverywhere(s, 'host h {\n    socket cpu0 { numa 0 }\n    nic n "ConnectX-7" at 0000:20:00.0 on ');
        expect(labels).toContain('cpu0');
        expectNoInternalErrors(s, []);
    });
});

describe('3. CPU lists whose numbers are huge', () => {
    it('are parsed as ranges: the cost does not depend on the numbers', () => {
        expect(parseCpuList('0-8191')).toMatchObject({ ok: true, value: { size: 8192, ranges: [[0, 8191]] } });
        expect(parseCpuList('0-99999999')).toEqual({
            ok: false, outOfRange: true, message: 'CPU 99999999 in 0-99999999 is out of range: CPU ids are 0 to 8191'
        });
        expect(parseCpuList(`0-${'9'.repeat(400)}`)).toMatchObject({ ok: false, outOfRange: true });
    });

    for (const [where, text] of [
        ['cores', 'host h { socket s { numa 0 cores 0-99999999 memory 1 GiB } }'],
        ['pin', `${HOST}vm v on h { vcpus 4 pin 0-99999999 memory 1 GiB }`],
        ['emulator pin', `${HOST}vm v on h { vcpus 1 pin 0 emulator pin 0-99999999 memory 1 GiB }`],
        ['on numa', `${HOST}vm v on h { vcpus 1 pin 0 memory 1 GiB on numa 0-99999999 }`]
    ] as const) {
        it(`\`${where} 0-99999999\` is one located SYN008 error`, async () => {
            const s = services();
            const { diagnostics } = await check(s, text);
            const errors = withCode(diagnostics, 'SYN008');
            expect(errors).toHaveLength(1);
            expect(messageText(errors[0])).toMatch(/99999999 in 0-99999999 is out of range: (CPU|NUMA node) ids are 0 to/);
            const line = text.split('\n')[errors[0].range.start.line];
            expect(line.slice(errors[0].range.start.character, errors[0].range.end.character)).toBe('0-99999999');
            expectNoInternalErrors(s, diagnostics);
        }, 10_000);
    }
});

describe('4. vCPU counts past what QEMU accepts', () => {
    // Unpinned: a `pin` list must name one CPU per vCPU (LOC014), and h has 32 CPUs.
    const vm = (vcpus: string) => `${HOST}vm v on h {\n    vcpus ${vcpus}\n    memory 8 GiB on numa 0\n}\n`;

    for (const vcpus of ['2147483648', '4294967296', '0', '1.5', '4097']) {
        it(`\`vcpus ${vcpus}\` is a SYN008 error naming the number as written`, async () => {
            const s = services();
            const { diagnostics } = await check(s, vm(vcpus));
            const errors = withCode(diagnostics, 'SYN008');
            expect(errors.map(messageText)).toEqual([expect.stringContaining(`vcpus ${vcpus}`)]);
            expect(messageText(errors[0])).toContain(`${MAX_VCPUS}`);
            // Treated as not written: the model keeps a VM of one vCPU that every exporter can handle.
            const model = s.vmtopo.model.TopologyProvider.get().topology.vms[0];
            expect(model.vcpus).toBe(1);
            expect(exportVm(model, 'libvirt')).toContain('<vcpu placement="static">1</vcpu>');
            expectNoInternalErrors(s, diagnostics);
        });
    }

    it(`\`vcpus ${MAX_VCPUS}\` is accepted and exported`, async () => {
        const s = services();
        const { diagnostics } = await check(s, vm(String(MAX_VCPUS)));
        expect(withCode(diagnostics, 'SYN008')).toEqual([]);
        const model = s.vmtopo.model.TopologyProvider.get().topology.vms[0];
        expect(exportVm(model, 'libvirt')).toContain(`<vcpu placement="static">${MAX_VCPUS}</vcpu>`);
    });
});

/** `depth` nested switches in a host, each holding the next. */
function nestedSwitches(depth: number): string {
    // Each switch one bus below its parent (HOST001: one address per switch; HOST006: buses increase).
    const open = Array.from({ length: depth }, (_, i) => `pcie-switch s${i} at 0000:${((i % 255) + 1).toString(16).padStart(2, '0')}:00.0 {`).join('\n');
    return `host h {\n${open}\n${'}\n'.repeat(depth)}}\n`;
}

describe('5. deeply nested switches', () => {
    it('500 levels: one lexing error at the first too-deep brace, and the next document parses', async () => {
        const s = services();
        const deep = await check(s, nestedSwitches(500));
        const nesting = deep.diagnostics.filter(d => /nest more than/.test(messageText(d)));
        expect(nesting).toHaveLength(1);
        expect(nesting[0].range.start.line).toBe(MAX_BLOCK_DEPTH); // line 0 is `host h {`, line k the k-th switch
        expect(deep.diagnostics.filter(d => d.severity === 1 && !/nest more than/.test(messageText(d)))).toEqual([]);
        const next = await check(s, 'host h2 { }'); // (the same workspace: `h` again would be SYN005)
        expect(next.diagnostics).toEqual([]);
        expectNoInternalErrors(s, [...deep.diagnostics, ...next.diagnostics]);
    });

    it('32 levels of switches, the stated maximum, are fine', async () => {
        const s = services();
        const { diagnostics } = await check(s, nestedSwitches(MAX_BLOCK_DEPTH - 1));
        expect(diagnostics.filter(d => d.severity === 1)).toEqual([]);
    });

    it('a parser that throws (here: out of stack) is reset, reported once, and the next parse works', () => {
        const s = services();
        const parser = s.vmtopo.parser.LangiumParser;
        const text = nestedSwitches(30);
        // Use up almost all of the stack, then parse: the parser overflows somewhere inside.
        let threw = 0;
        const dive = (n: number): void => {
            if (n > 0) return dive(n - 1);
            try {
                const result = parser.parse(text);
                if (result.parserErrors.some(e => /could not parse this file/.test(e.message))) threw++;
            } catch {
                // too deep for even the recovery: try one frame higher
            }
        };
        for (let depth = 20_000; depth > 0 && threw === 0; depth -= 250) {
            try { dive(depth); } catch { /* the dive itself overflowed */ }
        }
        expect(threw).toBeGreaterThan(0);
        expect(s.log.length).toBe(1);
        expect(s.log[0]).toMatch(/internal error in parser.*Maximum call stack size exceeded/);
        const after = parser.parse('host h { }');
        expect(after.parserErrors).toEqual([]);
        expect(after.lexerErrors).toEqual([]);
    });
});

describe('6. huge files', () => {
    it('more than the line limit: one error on line 1, nothing parsed', async () => {
        const s = services();
        const { diagnostics } = await check(s, '//\n'.repeat(MAX_FILE_LINES + 1));
        expect(diagnostics).toHaveLength(1);
        expect(diagnostics[0].range.start).toEqual({ line: 0, character: 0 });
        expect(messageText(diagnostics[0])).toMatch(/more than 200,000 lines.*Split it/);
        expectNoInternalErrors(s, diagnostics);
    }, 20_000);

    it('more than the size limit (the 20 MB of comments that overflowed the stack): one error', async () => {
        const s = services();
        const { diagnostics } = await check(s, `${'/'.repeat(99)}\n`.repeat(Math.ceil(MAX_FILE_BYTES / 100) + 1));
        expect(diagnostics.map(messageText)).toEqual([expect.stringMatching(/^this file is 8 MiB; vmtopo reads files of up to 8 MiB/)]);
    }, 20_000);

    it('190,000 comment lines in a row, under the limits, parse without error (no stack overflow)', async () => {
        const s = services();
        const { diagnostics } = await check(s, `${'// c\n'.repeat(190_000)}host h { }\n`);
        expect(diagnostics).toEqual([]);
        expectNoInternalErrors(s, diagnostics);
    }, 30_000);

    it('a file full of unexpected characters lists the first ones and says how many more', async () => {
        const s = services();
        const { diagnostics } = await check(s, '"@ '.repeat(200_000));
        expect(diagnostics.length).toBeLessThanOrEqual(MAX_LEXER_ERRORS + 5);
        expect(diagnostics.some(d => /more unexpected characters from here on are not listed/.test(messageText(d)))).toBe(true);
        expectNoInternalErrors(s, diagnostics);
    }, 30_000);
});

describe('7. a VM with more vCPUs than an NCCL affinity can name', () => {
    const vm = (vcpus: number) => `host big {
    platform kvm
    socket cpu0 { numa 0  cores 0-1023  memory 2048 GiB }
    pcie-switch sw0 at 0000:10:00.0 on cpu0 {
        gpu gpu0 "H200 SXM5 141GB" at 0000:11:00.0
    }
}
vm wide on big {
    vcpus ${vcpus} pin 0-${vcpus - 1}
    memory 1024 GiB on numa 0
    gpu gpu0 passthrough
}
`;

    it('904 vCPUs in one guest NUMA cell: NCCL001 on the VM, and the NCCL export refuses with the same reason', async () => {
        const s = services();
        const { diagnostics } = await check(s, vm(904));
        const [ncclWarning] = withCode(diagnostics, 'NCCL001');
        expect(ncclWarning.severity).toBe(2);
        expect(messageText(ncclWarning)).toMatch(/the affinity attribute of <cpu> of guest NUMA cell 0 would be 260 characters long; NCCL reads at most 253/);
        const model = s.vmtopo.model.TopologyProvider.get().topology.vms[0];
        expect(() => exportVm(model, 'nccl')).toThrow(ExportError);
        expect(() => exportVm(model, 'nccl')).toThrow(/rule NCCL001.*260 characters/);
        expect(exportVm(model, 'libvirt')).toContain('<vcpu placement="static">904</vcpu>');
    });

    it('896 vCPUs (28 words of 32 CPUs: 251 characters) are still readable by NCCL', async () => {
        const s = services();
        const { diagnostics } = await check(s, vm(896));
        expect(withCode(diagnostics, 'NCCL001')).toEqual([]);
        const model = s.vmtopo.model.TopologyProvider.get().topology.vms[0];
        const affinity = /affinity="([^"]*)"/.exec(exportVm(model, 'nccl'))![1];
        expect(affinity).toHaveLength(251);
    });
});

describe('8. quick-fixes never add an error', () => {
    /** Every quick-fix offered for the document's diagnostics, with the text after its edit. */
    async function fixes(text: string) {
        const s = services();
        const { doc, diagnostics } = await check(s, text);
        const result: Array<{ title: string; code: string; after: string; inserted: string }> = [];
        for (const diagnostic of diagnostics) {
            const actions = await s.vmtopo.lsp.CodeActionProvider!.getCodeActions(doc, {
                textDocument: { uri: doc.uri.toString() }, range: diagnostic.range, context: { diagnostics: [diagnostic] }
            }) ?? [];
            for (const action of actions) {
                if (!('edit' in action) || !action.edit?.changes) continue;
                const edits = action.edit.changes[doc.uri.toString()];
                const { TextDocument } = await import('vscode-languageserver-textdocument');
                result.push({
                    title: action.title, code: String(diagnostic.code),
                    after: TextDocument.applyEdits(doc.textDocument, edits), inserted: edits.map(e => e.newText).join('\n')
                });
            }
        }
        expectNoInternalErrors(s, diagnostics);
        return { diagnostics, fixes: result };
    }

    /** Error messages of a text, built alone. */
    async function errors(text: string): Promise<string[]> {
        const { diagnostics } = await check(services(), text);
        return diagnostics.filter(d => d.severity === 1).map(d => `${d.code ?? ''} ${messageText(d)}`).sort();
    }

    it('re-pinning does not move the memory onto a NUMA node without room for it (no new LOC004)', async () => {
        const text = HOST + `
vm big on h {
    vcpus 2 pin 1,17
    memory 200 GiB on numa 0
}
vm a on h {
    vcpus 2 pin 8,24
    memory 100 GiB on numa 1
    gpu gpu0 passthrough
}
`;
        const { fixes: offered } = await fixes(text);
        const repin = offered.find(f => f.code === 'LOC001');
        expect(repin?.title).toBe('Re-pin a to NUMA 0');
        expect(repin?.after).toContain('vcpus 2 pin 0,16');
        expect(repin?.after).toContain('memory 100 GiB on numa 1'); // NUMA 0 has 56 GiB left
        expect(offered.find(f => f.code === 'LOC003')).toBeUndefined(); // binding the memory alone cannot fit either
        for (const f of offered) expect(await errors(f.after)).toEqual(await errors(text));
    });

    for (const numa of ['1.5', '1000000000000000000000', '99999999999999999999999999999999']) {
        it(`a socket with \`numa ${numa}\` is a SYN008 error and no fix writes a number that cannot be typed`, async () => {
            const text = HOST.replace('numa 0  cores 0-7', `numa ${numa}  cores 0-7`) + `
vm a on h {
    vcpus 2 pin 8,24
    memory 16 GiB
    gpu gpu0 passthrough
}
`;
            const { diagnostics, fixes: offered } = await fixes(text);
            expect(withCode(diagnostics, 'SYN008').map(messageText)).toEqual([expect.stringContaining(`NUMA node ${numa}`)]);
            for (const f of offered) {
                expect(f.inserted).not.toMatch(/\d\.\d|e\+|Infinity|NaN|undefined/);
                expect(await errors(f.after)).toEqual(await errors(text));
            }
        });
    }

    it('a host whose cores end in a 400-digit number gets SYN008, and no fix writes `N-Infinity`', async () => {
        const text = HOST.replace('cores 0-7,16-23', `cores 0-${'9'.repeat(400)}`) + `
vm a on h {
    vcpus 2 pin 8,24
    memory 16 GiB
    gpu gpu0 passthrough
}
`;
        const { diagnostics, fixes: offered } = await fixes(text);
        expect(withCode(diagnostics, 'SYN008')).toHaveLength(1);
        for (const f of offered) {
            expect(f.inserted).not.toMatch(/Infinity|NaN|e\+/);
            expect(await errors(f.after)).toEqual(await errors(text));
        }
    });

    for (const [what, vm] of [
        ['a half-typed licence clause', 'vm t on h { vcpus 2 pin 8,24 memory 16 GiB on numa 1 mig gpu2 "1g.18gb" license }'],
        ['a VM without its closing brace', 'vm t on h { vcpus 2 pin 8,24 memory 16 GiB on numa 1 mig gpu2 "1g.18gb"'],
        ['a stray token before the brace', 'vm t on h { vcpus 2 pin 8,24 memory 16 GiB on numa 1 mig gpu2 "1g.18gb" @ }'],
        ['a VM followed by a broken one', 'vm t on h { vcpus 2 pin 8,24 memory 16 GiB on numa 1 mig gpu2 "1g.18gb" }\nvm u on h { license'],
        ['a clause after the brace on the same line', 'vm t on h { vcpus 2 pin 8,24 memory 16 GiB on numa 1 mig gpu2 "1g.18gb" } vcpus 2']
    ] as const) {
        it(`"add licence" in a document with parse errors (${what}) is offered only where it adds no error`, async () => {
            const text = `${HOST}${vm}\n`;
            const { fixes: offered } = await fixes(text);
            for (const f of offered.filter(x => x.code === 'LIC001')) {
                expect(f.after.match(/license nvaie/g)).toHaveLength(1);
                const before = await errors(text);
                expect(before).toEqual(expect.arrayContaining(await errors(f.after)));
            }
        });
    }

    it('a well-formed one-line VM still gets its licence fix', async () => {
        const { fixes: offered } = await fixes(`${HOST}vm t on h { vcpus 2 pin 8,24 memory 16 GiB on numa 1 mig gpu2 "1g.18gb" }\n`);
        expect(offered.find(f => f.code === 'LIC001')?.after).toContain('"1g.18gb" license nvaie }');
    });
});

describe('recovery: a rule, hover or quick-fix that throws', () => {
    /** Makes reading the H200's MMIO need throw, as a bug in a rule would, for the duration of `run`. */
    async function withBrokenCatalogFact<T>(run: () => Promise<T>): Promise<T> {
        const spec = findGpu('H200 SXM5 141GB')!;
        const original = Object.getOwnPropertyDescriptor(spec, 'mmioGiB')!;
        Object.defineProperty(spec, 'mmioGiB', { configurable: true, get() { throw new Error('mmioGiB is broken'); } });
        try {
            return await run();
        } finally {
            Object.defineProperty(spec, 'mmioGiB', original);
        }
    }

    const text = `${HOST.replace('gpu gpu0 "', '/** The GPU of VM a. */\n        gpu gpu0 "')}vm a on h {\n    vcpus 2\n    memory 16 GiB\n    gpu gpu0 passthrough\n    mmio 64 GiB\n}\n`;

    it('is reported once in the log with the rule ids, and the other rules and checks still run', async () => {
        const s = services();
        const { diagnostics, gpuHover } = await withBrokenCatalogFact(async () => {
            const first = await check(s, text);
            await check(s, text.replace('vm a', 'vm b')); // the same failure again: counted, not logged again
            await hoverEverywhere(s, first.doc);
            const at = first.doc.textDocument.positionAt(text.indexOf('gpu gpu0 "') + 'gpu gp'.length);
            const hover = await s.vmtopo.lsp.HoverProvider!.getHoverContent(first.doc, { textDocument: { uri: first.doc.uri.toString() }, position: at });
            const contents = hover?.contents;
            return { ...first, gpuHover: contents && typeof contents === 'object' && 'value' in contents ? contents.value : '' };
        });
        expect(s.log.filter(l => /internal error in rule MMIO005: Error: mmioGiB is broken \(caught; the rest still ran\)/.test(l))).toHaveLength(1);
        expect(s.log.filter(l => /internal error in hover \(catalog facts\)/.test(l))).toHaveLength(1);
        expect(s.vmtopo.log.InternalErrors.count).toBeGreaterThan(2);
        expect(withCode(diagnostics, 'LOC002')).toHaveLength(1); // LOC still ran
        expect(diagnostics.filter(d => /error occurred/.test(messageText(d)))).toEqual([]);
        expect(consoleErrors).toEqual([]);
        // Hover keeps the part that did not fail: the doc comment, without the catalog facts.
        expect(gpuHover).toContain('The GPU of VM a.');
        expect(gpuHover).not.toContain('64-bit MMIO');
    });

    it('makes `vmtopo check` exit 2 after printing the diagnostics of the rules that ran', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-recovery-'));
        try {
            fs.writeFileSync(path.join(dir, 'a.vmtopo'), text);
            const out: string[] = [];
            const err: string[] = [];
            const io = { stdout: (t: string) => { out.push(t); }, stderr: (t: string) => { err.push(t); }, cwd: dir, env: {} };
            const code = await withBrokenCatalogFact(() => runCli(['node', 'vmtopo', 'check', 'a.vmtopo'], io));
            expect(code).toBe(2);
            expect(out.join('')).toMatch(/a\.vmtopo:\d+:\d+ warning LOC002/);
            expect(err.join('')).toMatch(/internal error in rule MMIO005: [^\n]*mmioGiB is broken[^\n]*\n(.*\n)*vmtopo: internal error: a check failed \(see above\); the diagnostics are incomplete\n$/);
            // And the export refuses: a check that did not finish approves nothing.
            const exported = await withBrokenCatalogFact(() => runCli(['node', 'vmtopo', 'export', 'libvirt', 'a.vmtopo'], io));
            expect(exported).toBe(1);
            expect(err.join('')).toMatch(/export refused: an internal error stopped a check of a\.vmtopo .*; nothing was written/);
            expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it('a quick-fix request with hostile diagnostic data gets no action and no exception', async () => {
        const s = services();
        const { doc } = await check(s, `${HOST}vm a on h { vcpus 2 memory 16 GiB gpu gpu0 passthrough }\n`);
        const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
        for (const data of [
            null, 42, 'LOC001', { code: 'LOC001' }, { code: 'LOC001', vm: 'a', numa: 1.5 }, { code: 'LOC001', vm: 'a', numa: 0, cpus: '0-Infinity' },
            { code: 'MMIO005', vm: 'a', need: 1e21 }, { code: 'MMIO005', vm: 'a', need: -4 }, { code: 'NIC001', vm: 'a', nic: 7, best: {} },
            { code: 'LIC001', vm: 'nope' }, { code: { toString: null }, vm: 'a' }
        ]) {
            const actions = await s.vmtopo.lsp.CodeActionProvider!.getCodeActions(doc, {
                textDocument: { uri: doc.uri.toString() }, range, context: { diagnostics: [{ range, message: 'x', data }] }
            });
            expect(actions).toBeUndefined();
        }
        expect(s.log).toEqual([]);
    });
});
