/**
 * Mutation-document generator for the vmtopo fuzzer (issue #5, "Survive any input").
 *
 * Documents are derived from real vmtopo text — examples/hgx-h200.vmtopo, examples/misconfigured.vmtopo
 * and the HOST fixture of test/support/fixtures.ts (alone and with the VMs of the quick-fix tests) — by
 * token-level mutations applied 1..N times. Everything is a fast-check arbitrary, so a seed gives the
 * same documents on every machine, and fast-check can shrink a failing document (fewer mutations,
 * smaller parameters).
 *
 * Mutations: delete / duplicate / swap tokens; truncate at a random point (half-typed text); insert
 * a token of the dictionary (every keyword of language/src/vmtopo.langium, braces, commas, names,
 * strings, `"@ "`, unterminated comments and strings); numbers → boundary values; CPU lists →
 * hostile lists; BDFs → malformed ones; k nested `pcie-switch` blocks (k ≤ 600); long comment runs;
 * very long names and strings; non-ASCII and control characters; half-typed snippets (`host h{gpu`,
 * `vm n h gpu a`); copies of a VM (VMs sharing CPUs and devices); huge `vcpus` with a small pin list;
 * a 1000-vCPU VM on one NUMA node; a `//# file: NAME` marker that splits the text into several files
 * of one workspace (see {@link splitFiles}). {@link ISSUE_REPRODUCERS} are the raw inputs of the issue;
 * {@link BIG_INPUTS} a small set of large documents that the bounded test runs once each.
 *
 * Generated documents stay below {@link MAX_DOCUMENT_BYTES} (a mutation that would grow the text past
 * it is skipped), so a few thousand run in well under a minute.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { ESXI_HOST, HOST } from '../support/fixtures.js';

/** Upper bound for a generated document (the big inputs are a separate, named set). */
export const MAX_DOCUMENT_BYTES = 200_000;

/** Marker line that starts a new file of the same workspace: `//# file: b.vmtopo`. */
export const FILE_MARKER = /^\/\/# file: *([\w.-]+) *$/;

/** A seed document the mutations start from. */
export interface SeedDocument {
    readonly name: string;
    readonly text: string;
}

export interface FuzzSources {
    readonly seeds: readonly SeedDocument[];
    /** Every keyword of the grammar (`'…'` literals of language/src/vmtopo.langium). */
    readonly keywords: readonly string[];
}

/** The VMs of the LOC, MMIO, NIC and LIC quick-fix tests (test/rules/<prefix>.test.ts) on {@link HOST}: every quick-fix has something to fix. */
const HOST_VMS = `
vm b on h {
    vcpus 4 pin 0-1,16-17
    memory 64 GiB on numa 0
    gpu gpu1 passthrough
}
vm a on h {
    vcpus 4 pin 8-9,24-25
    emulator pin 2
    memory 64 GiB on numa 1
    gpu gpu0 passthrough
    nic nic2 passthrough
    mmio 512 GiB
}
vm c on h {
    vcpus 4
    memory 64 GiB
    gpu gpu2 passthrough
}
vm t on h { vcpus 2 pin 8,24 memory 16 GiB on numa 1 mig gpu3 "1g.18gb" }
`;

const ESXI_VMS = `
vm t on e {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    vgpu gpu0 "H200X-1-18C"
    license nvaie
}
vm a on e {
    vcpus 2 pin 8,24
    memory 128 GiB on numa 1
    gpu gpu2, gpu3 passthrough
    mmio 768 GiB
}
`;

/** Keywords of the grammar: the quoted literals outside comments and terminal rules. */
export function grammarKeywords(grammar: string): string[] {
    const code = grammar
        .replace(/\/\*[\s\S]*?\*\//g, ' ')
        .replace(/\/\/[^\n]*/g, ' ')
        .split('\n')
        .filter(line => !/^\s*(hidden\s+)?terminal\b/.test(line))
        .join('\n');
    return [...new Set([...code.matchAll(/'([^'\n]+)'/g)].map(m => m[1]))].sort();
}

/** Reads the seed documents and the grammar's keywords from the repository at `repo`. */
export function loadFuzzSources(repo: string): FuzzSources {
    const read = (relative: string) => fs.readFileSync(path.join(repo, relative), 'utf8');
    return {
        seeds: [
            { name: 'hgx-h200', text: read('examples/hgx-h200.vmtopo') },
            { name: 'misconfigured', text: read('examples/misconfigured.vmtopo') },
            { name: 'fixture-host', text: HOST },
            { name: 'fixture-host+vms', text: HOST + HOST_VMS },
            { name: 'fixture-esxi+vms', text: ESXI_HOST + ESXI_VMS }
        ],
        keywords: grammarKeywords(read('language/src/vmtopo.langium'))
    };
}

// ---------------------------------------------------------------------------------------------
// Values

export const BOUNDARY_NUMBERS: readonly string[] = [
    '0', '1', '1.5', '255', '256', '2147483648', '4294967296', '9007199254740993', '99999999',
    '1' + '0'.repeat(21), // 1e21 written out as digits
    '9'.repeat(400)
];

export const HOSTILE_CPU_LISTS: readonly string[] = [
    '0-99999999', '5-3', '0-', ',,', '0-3,2', '999999999999999999999-1', '0-4294967296', '1,', '0--1',
    '4294967295', '0,0', '2147483647-2147483648'
];

export const HOSTILE_BDFS: readonly string[] = [
    '0000:ff:1f.7', 'zzzz:00:00.0', '0000:18:00', '0000:20:00.8', '0000:00:20.0', 'ffff:ff:1f.7',
    '0:0:0.0', '00000:00:00.0', '0000:18:00.', '0000::00.0', '0000:18:00.0:1'
];

/** Half-typed text, as a person types it: inserted anywhere, or a document on its own. */
export const HALF_TYPED: readonly string[] = [
    'host h{gpu', 'vm n h gpu a', 'vm n on', 'vm n on h {', 'vm n on h { vcpus', 'vm n on h { vcpus 4 pin',
    'host', 'host h', 'host h {', 'socket s { numa', 'socket s { numa 0 cores 0-', 'pcie-switch s at',
    'pcie-switch s at 0000:01:00.0 {', 'gpu g "H200 SXM5 141GB" at', 'nic n "ConnectX-7" at 0000:13:00.0 vfs',
    'memory 1 GiB on numa', 'memory 1 GiB on', 'nic nic0 vf', 'gpu gpu0,', 'gpu gpu0, gpu', 'link 32 GT/s',
    'link 32', 'speed 400', '"H200 SXM5', "'ConnectX", '/*', '/** doc', 'emulator', 'emulator pin', 'mig gpu0',
    'vgpu gpu0 "', 'mmio', 'license', 'platform'
];

/** Characters and words outside the language's ASCII alphabet. */
export const UNICODE_SAMPLES: readonly string[] = [
    'gpü0', '名前', 'ﬁ', 'Ωmega', '😀', 'a\u200bb', '\u200f', '\u2028', '\u2029', '\r', '\r\n', '\ufeff',
    '\u0000', '\t', '\ud800', '\udfff', 'e\u0301', 'Ｈ', '\u00a0', '\u0085'
];

const NAMES = ['h', 'a', 'n', 'gpu0', 'gpu1', 'nic0', 'nic2', 'cpu0', 'cpu1', 'sw0', 'sprocket', 'kvm01', 'mlx5_8', 'train-a', '_'];
const STRINGS = ['"H200 SXM5 141GB"', '"H100 SXM5 80GB"', '"ConnectX-7"', '"L40S"', '"1g.18gb"', '"H200X-1-18C"', '""', "'x'", '"@ "', '"<&>"', '"Xeon Platinum 8592+"'];
const OTHER_TOKENS = ['{', '}', ',', '-', '.', ':', '"', "'", '/*', '*/', '/** doc */', '//', 'GiB', 'MiB', 'TiB', 'GB', 'x16', 'x0', 'x64', '0', '8', '0000:10:00.0', '0-3'];

/** The insertion dictionary: every keyword, then braces, names, strings and stray tokens. */
export function dictionary(keywords: readonly string[]): string[] {
    return [...keywords, ...NAMES, ...STRINGS, ...OTHER_TOKENS];
}

// ---------------------------------------------------------------------------------------------
// Fixed inputs

/** `k` nested switches inside host `h` (closed unless `closed` is false: a half-typed document). */
export function nestedSwitches(k: number, closed = true): string {
    let open = '';
    for (let i = 0; i < k; i++) open += `pcie-switch s${i} at 0000:01:00.0 {\n`;
    return `host h {\n${open}${closed ? '}\n'.repeat(k) + '}\n' : ''}`;
}

/** A host with one big NUMA node and a VM of `vcpus` vCPUs pinned on it (NCCL `affinity` grows with it). */
export function wideVm(vcpus: number): string {
    return `host big {
    socket s0 { numa 0 cores 0-${Math.max(vcpus, 1024) - 1} memory 4096 GiB }
    pcie-switch sw0 at 0000:10:00.0 on s0 link 32 GT/s x16 {
        gpu g0 "H200 SXM5 141GB" at 0000:11:00.0
        nic n0 "ConnectX-7" at 0000:12:00.0
    }
}
vm wide on big {
    vcpus ${vcpus} pin 0-${vcpus - 1}
    memory 1024 GiB on numa 0
    gpu g0 passthrough
    nic n0 passthrough
    mmio 1024 GiB
}
`;
}

const SMALL_HOST = 'host h {\n    socket s { numa 0 cores 0-7 memory 64 GiB }\n    pcie-switch sw at 0000:10:00.0 on s { gpu g "H200 SXM5 141GB" at 0000:11:00.0 }\n}\n';

export interface NamedInput {
    readonly name: string;
    readonly text: string;
}

/** The raw reproducers listed in issue #5. Each is replayed by the test and by `npm run fuzz`. */
export const ISSUE_REPRODUCERS: readonly NamedInput[] = [
    { name: 'half-typed host', text: 'host h{gpu' },
    { name: 'half-typed vm then host', text: 'vm n h gpu a\nhost h{gpu' },
    { name: 'cores 0-99999999', text: 'host h { socket s { numa 0 cores 0-99999999 memory 1 GiB } }\n' },
    { name: 'pin 0-99999999', text: `${SMALL_HOST}vm v on h { vcpus 4 pin 0-99999999 memory 1 GiB on numa 0 gpu g passthrough }\n` },
    { name: 'emulator pin 0-99999999', text: `${SMALL_HOST}vm v on h { vcpus 4 pin 0-3 emulator pin 0-99999999 memory 1 GiB on numa 0 }\n` },
    { name: 'memory on numa 0-99999999', text: `${SMALL_HOST}vm v on h { vcpus 4 pin 0-3 memory 1 GiB on numa 0-99999999 }\n` },
    { name: 'vcpus 2147483648 pin 0-3', text: `${SMALL_HOST}vm v on h { vcpus 2147483648 pin 0-3 memory 1 GiB on numa 0 gpu g passthrough }\n` },
    { name: 'vcpus 4294967296', text: `${SMALL_HOST}vm v on h { vcpus 4294967296 memory 1 GiB on numa 0 gpu g passthrough }\n` },
    { name: '500 nested pcie-switch blocks', text: nestedSwitches(500) },
    { name: '500 nested pcie-switch blocks, unclosed', text: nestedSwitches(500, false) },
    { name: '1000 vCPUs on one NUMA node', text: wideVm(1000) },
    { name: 'numa 1.5', text: 'host h { socket s { numa 1.5 cores 0-3 memory 1 GiB } }\nvm v on h { vcpus 2 pin 0-1 memory 1 GiB on numa 1 }\n' },
    { name: 'numa 1000000000000000000000', text: `host h { socket s { numa 1${'0'.repeat(21)} cores 0-3 memory 1 GiB } }\nvm v on h { vcpus 2 pin 0-1 memory 1 GiB on numa 0 }\n` }
];

/**
 * Large inputs, run once each by the test (not generated: they exceed {@link MAX_DOCUMENT_BYTES}
 * or are deep on purpose).
 */
export function bigInputs(sources: FuzzSources): NamedInput[] {
    const hgx = sources.seeds[0].text;
    const copies = Array.from({ length: 40 }, (_, i) => hgx
        .replace(/\bhost sprocket\b/g, `host h${i}`)
        .replace(/^vm (\S+) on sprocket\b/gm, `vm h${i}-$1 on h${i}`)).join('\n');
    return [
        { name: '600 nested pcie-switch blocks', text: nestedSwitches(600) },
        { name: '40 HGX hosts with their VMs (~170 KB)', text: copies },
        { name: '1 MB of line comments', text: `${'// comment comment comment comment comment comment\n'.repeat(20_000)}${HOST}` },
        { name: '1 MB block comment', text: `/*${'x'.repeat(1_000_000)}*/\n${HOST}` },
        { name: 'unterminated 1 MB block comment', text: `${HOST}/*${'x'.repeat(1_000_000)}` },
        { name: '200 000-character name', text: HOST.replace(/\bh\b/, 'h'.repeat(200_000)) },
        { name: '500 000-character string', text: HOST.replace('"H200 SXM5 141GB"', `"${'H'.repeat(500_000)}"`) },
        { name: 'CPU list of 20 000 entries', text: `host h { socket s { numa 0 cores ${Array.from({ length: 20_000 }, (_, i) => 2 * i).join(',')} memory 1 GiB } }\n` },
        { name: '2000 VMs sharing one GPU and CPUs', text: HOST + Array.from({ length: 2000 }, (_, i) => `vm v${i} on h { vcpus 2 pin 0,16 memory 1 GiB on numa 0 gpu gpu0 passthrough }\n`).join('') },
        { name: '4000 vCPUs on one NUMA node', text: wideVm(4000) }
    ];
}

// ---------------------------------------------------------------------------------------------
// Tokens

export type TokenKind = 'ws' | 'comment' | 'string' | 'bdf' | 'cpulist' | 'number' | 'word' | 'other';

export interface Token {
    readonly text: string;
    readonly kind: TokenKind;
}

const TOKEN_RE = new RegExp([
    '(\\s+)',
    '(\\/\\*[\\s\\S]*?\\*\\/|\\/\\/[^\\n\\r]*)',
    '("[^"\\n\\r]*"|\'[^\'\\n\\r]*\')',
    '([0-9][0-9a-zA-Z]*(?::[0-9a-zA-Z]*)+(?:\\.[0-9a-zA-Z]*)?)',
    '([0-9]+(?:[-,][0-9]*)+)',
    '([0-9]+(?:\\.[0-9]+)?)',
    '(GT\\/s|Gb\\/s|[_a-zA-Z][\\w-]*)',
    '([\\s\\S])'
].join('|'), 'gy');
const KINDS: TokenKind[] = ['ws', 'comment', 'string', 'bdf', 'cpulist', 'number', 'word', 'other'];

/** Splits text into tokens the way the grammar's terminals would (whitespace kept, so joining gives the text back). */
export function tokenize(text: string): Token[] {
    const tokens: Token[] = [];
    TOKEN_RE.lastIndex = 0;
    let m: RegExpExecArray | null;
    while (TOKEN_RE.lastIndex < text.length && (m = TOKEN_RE.exec(text))) {
        const group = m.slice(1).findIndex(g => g !== undefined);
        tokens.push({ text: m[0], kind: KINDS[group] });
    }
    return tokens;
}

const join = (tokens: readonly Token[]) => tokens.map(t => t.text).join('');

// ---------------------------------------------------------------------------------------------
// Mutations

export const MUTATION_OPS = [
    'delete', 'duplicate', 'swap', 'truncate', 'insert', 'number', 'cpulist', 'bdf', 'nest', 'comments',
    'longName', 'longString', 'unicode', 'halfTyped', 'shareVm', 'hugeVcpus', 'wideVm', 'split'
] as const;
export type MutationOp = typeof MUTATION_OPS[number];

/** One mutation: an operation and raw random numbers it maps onto its choices (positions, values, sizes). */
export interface Mutation {
    readonly op: MutationOp;
    readonly a: number;
    readonly b: number;
}

/** Relative frequencies: cheap local edits often, structural and large ones rarely. */
const WEIGHTS: Record<MutationOp, number> = {
    delete: 10, duplicate: 6, swap: 6, truncate: 2, insert: 12, number: 8, cpulist: 6, bdf: 5, nest: 1,
    comments: 1, longName: 2, longString: 2, unicode: 4, halfTyped: 4, shareVm: 4, hugeVcpus: 3, wideVm: 1, split: 2
};

const BOUNDARY_VCPUS = ['2147483648', '4294967296', '9007199254740993', '99999999', '1' + '0'.repeat(21), '0', '1000'];

/** Applies one mutation; returns the text unchanged when it does not apply or would grow past the bound. */
export function applyMutation(text: string, m: Mutation, dict: readonly string[]): string {
    const result = mutate(text, m, dict);
    return result.length > MAX_DOCUMENT_BYTES ? text : result;
}

function mutate(text: string, m: Mutation, dict: readonly string[]): string {
    const tokens = tokenize(text);
    const solid = tokens.map((t, i) => ({ t, i })).filter(x => x.t.kind !== 'ws');
    const pick = <T>(items: readonly T[], n: number): T | undefined => items.length > 0 ? items[n % items.length] : undefined;
    const replaceAt = (i: number, replacement: string) => join(tokens.slice(0, i)) + replacement + join(tokens.slice(i + 1));
    const insertAt = (i: number, insertion: string) => join(tokens.slice(0, i)) + insertion + join(tokens.slice(i));
    const anyIndex = (n: number) => (tokens.length === 0 ? 0 : n % (tokens.length + 1));
    switch (m.op) {
        case 'delete': {
            const s = pick(solid, m.a);
            return s ? replaceAt(s.i, '') : text;
        }
        case 'duplicate': {
            const s = pick(solid, m.a);
            return s ? replaceAt(s.i, `${s.t.text} ${s.t.text}`) : text;
        }
        case 'swap': {
            const x = pick(solid, m.a);
            const y = pick(solid, m.b);
            if (!x || !y || x.i === y.i) return text;
            const copy = tokens.map(t => t.text);
            [copy[x.i], copy[y.i]] = [y.t.text, x.t.text];
            return copy.join('');
        }
        case 'truncate':
            return text.slice(0, text.length === 0 ? 0 : m.a % (text.length + 1));
        case 'insert':
            return insertAt(anyIndex(m.a), ` ${dict[m.b % dict.length]} `);
        case 'number': {
            const s = pick(solid.filter(x => x.t.kind === 'number'), m.a);
            return s ? replaceAt(s.i, BOUNDARY_NUMBERS[m.b % BOUNDARY_NUMBERS.length]) : text;
        }
        case 'cpulist': {
            // A CPU list proper, or the number after `cores`, `pin` or `numa`.
            const lists = solid.filter((x, k) => x.t.kind === 'cpulist'
                || (x.t.kind === 'number' && k > 0 && ['cores', 'pin', 'numa'].includes(solid[k - 1].t.text)));
            const s = pick(lists, m.a);
            return s ? replaceAt(s.i, HOSTILE_CPU_LISTS[m.b % HOSTILE_CPU_LISTS.length]) : text;
        }
        case 'bdf': {
            const s = pick(solid.filter(x => x.t.kind === 'bdf'), m.a);
            return s ? replaceAt(s.i, HOSTILE_BDFS[m.b % HOSTILE_BDFS.length]) : text;
        }
        case 'nest': {
            // k nested switches after an opening brace (inside a host when that is where it lands), closed or not.
            const k = 1 + (m.b % 600);
            const braces = solid.filter(x => x.t.text === '{');
            const at = pick(braces, m.a);
            const open = Array.from({ length: k }, (_, i) => `pcie-switch n${i} at 0000:01:00.0 {`).join('\n');
            const close = m.b % 7 === 0 ? '' : '}'.repeat(k);
            return at ? replaceAt(at.i, `{\n${open}\n${close}\n`) : `${text}\n${nestedSwitches(k, close !== '')}`;
        }
        case 'comments': {
            const n = 1 + (m.b % 3000);
            const run = m.b % 2 === 0
                ? '// a comment line of some length, as people write them\n'.repeat(n)
                : '/* block */ '.repeat(n);
            return insertAt(anyIndex(m.a), `\n${run}\n`);
        }
        case 'longName': {
            // Renames every occurrence of one name, so references still resolve.
            const words = solid.filter(x => x.t.kind === 'word');
            const s = pick(words, m.a);
            if (!s) return text;
            const long = `${s.t.text}_${'x'.repeat(64 + (m.b % 20_000))}`;
            return tokens.map(t => (t.kind === 'word' && t.text === s.t.text ? long : t.text)).join('');
        }
        case 'longString': {
            const s = pick(solid.filter(x => x.t.kind === 'string'), m.a);
            const body = 'S'.repeat(64 + (m.b % 50_000));
            return s ? replaceAt(s.i, `"${body}"`) : insertAt(anyIndex(m.a), ` "${body}" `);
        }
        case 'unicode': {
            const sample = UNICODE_SAMPLES[m.b % UNICODE_SAMPLES.length];
            const words = solid.filter(x => x.t.kind === 'word');
            const s = pick(words, m.a);
            // Half the time replace a name everywhere it occurs, half the time insert the sample.
            if (s && m.a % 2 === 0) return tokens.map(t => (t.kind === 'word' && t.text === s.t.text ? sample : t.text)).join('');
            return insertAt(anyIndex(m.a), sample);
        }
        case 'halfTyped':
            return insertAt(anyIndex(m.a), `\n${HALF_TYPED[m.b % HALF_TYPED.length]}\n`);
        case 'shareVm': {
            // A copy of one VM block under a new name: the same CPUs, GPUs and NICs twice.
            const blocks = [...text.matchAll(/^vm\s+([_a-zA-Z][\w-]*)[^\n{]*\{[\s\S]*?^\}|^vm\s+([_a-zA-Z][\w-]*)[^\n{]*\{[^\n}]*\}/gm)];
            const b = pick(blocks, m.a);
            if (!b) return text;
            const name = b[1] ?? b[2];
            const copy = b[0].replace(name, `${name}-copy${m.b % 10}`);
            return `${text}\n${copy}\n`;
        }
        case 'hugeVcpus': {
            const value = BOUNDARY_VCPUS[m.b % BOUNDARY_VCPUS.length];
            const clauses = [...text.matchAll(/\bvcpus\s+[0-9.]+(?:\s+pin\s+[0-9,-]+)?/g)];
            const c = pick(clauses, m.a);
            if (!c) return text;
            const clause = m.b % 3 === 0 ? `vcpus ${value}` : `vcpus ${value} pin 0-3`;
            return text.slice(0, c.index) + clause + text.slice(c.index + c[0].length);
        }
        case 'wideVm':
            return `${text}\n${wideVm([300, 500, 1000, 2000][m.b % 4])}`;
        case 'split': {
            const lines = text.split('\n');
            const at = m.a % (lines.length + 1);
            lines.splice(at, 0, `//# file: f${m.b % 4}.vmtopo`);
            return lines.join('\n');
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.record({
    op: fc.oneof(...MUTATION_OPS.map(op => ({ weight: WEIGHTS[op], arbitrary: fc.constant(op) }))),
    a: fc.nat({ max: 0x7fffffff }),
    b: fc.nat({ max: 0x7fffffff })
});

/** A generated document and how it was made (seed document and mutations), for reports. */
export interface GeneratedDocument {
    readonly text: string;
    readonly origin: string;
}

/** A generated document that fast-check prints short (a failing one may be 200 KB). */
function generated(text: string, origin: string): GeneratedDocument {
    return {
        text,
        origin,
        [fc.toStringMethod]: () => `${origin} → ${text.length} characters: ${JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text)}`
    } as GeneratedDocument;
}

export interface DocumentArbitraryOptions {
    /** Most mutations applied to one seed document (default 8). */
    maxMutations?: number;
    /** Relative weight of the raw issue reproducers among the documents (default 1 in ~40). */
    reproducerWeight?: number;
}

/**
 * Documents: a seed document with 1..maxMutations mutations, or (rarely) an issue reproducer or a
 * half-typed snippet on its own, optionally mutated further.
 */
export function documentArbitrary(sources: FuzzSources, options: DocumentArbitraryOptions = {}): fc.Arbitrary<GeneratedDocument> {
    const dict = dictionary(sources.keywords);
    const maxMutations = options.maxMutations ?? 8;
    const mutations = fc.array(mutationArbitrary, { minLength: 1, maxLength: maxMutations });
    const apply = (origin: string, text: string, ms: readonly Mutation[]): GeneratedDocument => generated(
        ms.reduce((t, m) => applyMutation(t, m, dict), text),
        ms.length === 0 ? origin : `${origin} + [${ms.map(m => `${m.op}(${m.a},${m.b})`).join(', ')}]`);
    const mutated = fc.tuple(fc.nat({ max: sources.seeds.length - 1 }), mutations)
        .map(([i, ms]) => apply(sources.seeds[i].name, sources.seeds[i].text, ms));
    const fixed = [...ISSUE_REPRODUCERS, ...HALF_TYPED.map(t => ({ name: `half-typed ${JSON.stringify(t)}`, text: t }))];
    const reproducer = fc.tuple(fc.nat({ max: fixed.length - 1 }), fc.array(mutationArbitrary, { maxLength: 2 }))
        .map(([i, ms]) => apply(fixed[i].name, fixed[i].text, ms));
    return fc.oneof(
        { weight: 40, arbitrary: mutated },
        { weight: options.reproducerWeight ?? 1, arbitrary: reproducer }
    );
}

// ---------------------------------------------------------------------------------------------
// Workspaces

/**
 * Splits a text at `//# file: NAME` marker lines into the files of one workspace (the first file is
 * `main.vmtopo`; a file name given twice continues the same file). Without markers: one file.
 */
export function splitFiles(text: string): { name: string; text: string }[] {
    const files = new Map<string, string[]>();
    let current = 'main.vmtopo';
    files.set(current, []);
    for (const line of text.split('\n')) {
        const marker = FILE_MARKER.exec(line.replace(/\r$/, ''));
        if (marker) {
            current = marker[1].endsWith('.vmtopo') ? marker[1] : `${marker[1]}.vmtopo`;
            if (!files.has(current)) files.set(current, []);
            continue;
        }
        files.get(current)!.push(line);
    }
    return [...files].map(([name, lines]) => ({ name, text: lines.join('\n') }));
}

/** Leading `//!` lines: the header of a saved reproducer, not part of the input. */
export function stripReproducerHeader(text: string): string {
    const lines = text.split('\n');
    let i = 0;
    while (i < lines.length && lines[i].startsWith('//!')) i++;
    return lines.slice(i).join('\n');
}
