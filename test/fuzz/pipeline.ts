/**
 * The fuzz pipeline: runs ONE input through everything the language server and the CLI do with a
 * document, with the services they use (`createVmtopoServices()`), and returns what went wrong as a
 * list of {@link Failure}s — it never throws, so the test slices (test/fuzz/slice.test.ts, slice-long.test.ts) and the long
 * runner (`npm run fuzz`) share it.
 *
 * For one input (split into files at `//# file: NAME` lines, see `splitFiles`):
 *  1. parse → link → validate: `DocumentBuilder.build(documents, { validation: true })`;
 *  2. the resolved model: `TopologyProvider.get()`;
 *  3. for every VM of the model, `exportVm(vm, 'libvirt')` and `exportVm(vm, 'nccl')` (an
 *     `ExportError` is an acceptable refusal); each output must be well-formed XML (fast-xml-parser's
 *     XMLValidator) and each NCCL file must fit NCCL's own XML reader ({@link ncclLimitProblems});
 *  4. language services at a few offsets chosen from a hash of the text (so a replay hits the same
 *     ones): hover, completion, definition, references; document symbols;
 *  5. every code action offered for every diagnostic: its edit is applied to the text
 *     (`TextDocument.applyEdits`) and the result re-validated in a fresh workspace (the original's
 *     documents removed first); the fix must not add an error (code + message, as a multiset over
 *     all documents of the workspace) that was not there before;
 *  6. for inputs under 32 KB, an edit as the editor sends it — a space typed after a `{` of the
 *     first file, chosen from a hash of the text — applied with `TextDocuments` +
 *     `DocumentBuilder.update` (the path that re-parses one block and reuses the other blocks'
 *     results) must give every document the same diagnostics as a fresh build of the edited files;
 *  7. the parser must still work: `host h { }` built afterwards with the same services has no errors.
 *
 * Failures: any exception (in a stage, or a rejected promise); a diagnostic whose message starts
 * with "An error occurred" (Langium's wrapper for a throwing check or scope lookup); anything
 * written to `console.error` while the input runs; an increase of the services' internal-error
 * count (`services.vmtopo.log.InternalErrors.count`, where present); malformed XML; an NCCL file
 * over NCCL's limits; a fix that adds an error; an edit whose diagnostics differ from a fresh build's; a broken parser afterwards; a run slower than
 * `slowMs`. Documents are removed after each input, so one services instance serves many inputs.
 */
import { URI, TextDocument, type LangiumDocument } from 'langium';
import { XMLValidator } from 'fast-xml-parser';
import type { CodeAction, Command, Diagnostic, TextEdit, WorkspaceEdit } from 'vscode-languageserver-types';
import { createVmtopoServices } from '../../language/src/vmtopo-module.js';
import { exportVm, ExportError } from '../../language/src/features/export/index.js';
import { messageText } from '../../language/src/kernel/diagnostics.js';
import { splitFiles, stripReproducerHeader } from './mutate.js';
import { mulberry32 } from '../../language/src/kernel/random.js';

export type FailureKind = 'exception' | 'hang' | 'slow' | 'malformed' | 'nccl-limit' | 'error-adding-fix' | 'parser-state' | 'incremental';

export const FAILURE_KINDS: readonly FailureKind[] = ['exception', 'hang', 'slow', 'malformed', 'nccl-limit', 'error-adding-fix', 'parser-state', 'incremental'];

export interface Failure {
    readonly kind: FailureKind;
    /** Where: `build`, `export-nccl vm=a`, `hover`, `fix LOC001`, `console.error`, … */
    readonly stage: string;
    /** For a person: what failed, with the values involved. */
    readonly message: string;
    /** Short and stable across inputs (numbers and long strings blanked): the same bug gives the same signature. */
    readonly signature: string;
}

export interface DocumentResult {
    readonly failures: Failure[];
    /** Wall time of the whole pipeline for this input, ms. */
    readonly ms: number;
    readonly stats: {
        files: number; diagnostics: number; vms: number; exports: number; refusals: number;
        lspRequests: number; codeActions: number;
        /** Milliseconds per stage: build (parse, link, validate), export, lsp, actions (offer), fixes (re-validate), probe. */
        stageMs: Record<'build' | 'export' | 'lsp' | 'actions' | 'fixes' | 'edit' | 'probe', number>;
    };
}

export interface PipelineOptions {
    /** A document slower than this is a `slow` failure (default 5000 ms; 0: no bound, as in the test slices). */
    slowMs?: number;
    /** Random offsets per file for hover, completion, definition and references (default 4; start and end always). */
    lspOffsets?: number;
    /** At most this many code actions re-validated per input (default: all). */
    maxFixes?: number;
    /**
     * Code actions are asked for every diagnostic without `data.code` and for at most this many of
     * those with one (the quick-fix candidates, which the provider verifies with a scratch build
     * each), chosen from a hash of the text (default: all).
     */
    maxFixableDiagnostics?: number;
    /** Called as each stage starts (the worker forwards it, so a hang is reported with its stage). */
    onStage?: (stage: string) => void;
}

/** NCCL 2.30 src/graph/xml.h / xml.cc: MAX_STR_LEN 255 (values and names ≤ 253 read), 16 attributes, 640 children, 256 elements. */
export const NCCL_LIMITS = { maxString: 253, maxAttributes: 16, maxChildren: 640, maxElements: 256 } as const;

type Services = ReturnType<typeof createVmtopoServices>;

const PROBE = 'host h { }\n';
/** Inputs larger than this (characters, all files) skip the edit stage. */
const EDIT_STAGE_MAX_CHARS = 32_768;

/** One services instance, reused for input after input. */
export class FuzzPipeline {
    private services: Services;
    private counter = 0;
    private readonly slowMs: number;
    private readonly lspOffsets: number;
    private readonly maxFixes: number;
    private readonly maxFixableDiagnostics: number;
    /** @internal */
    readonly onStage: (stage: string) => void;

    constructor(options: PipelineOptions = {}) {
        this.slowMs = options.slowMs ?? 5000;
        this.lspOffsets = options.lspOffsets ?? 4;
        this.maxFixes = options.maxFixes ?? Infinity;
        this.maxFixableDiagnostics = options.maxFixableDiagnostics ?? Infinity;
        this.onStage = options.onStage ?? (() => undefined);
        this.services = createVmtopoServices();
    }

    /** Fresh services (after a failure, so that one broken input does not spoil the next ones). */
    reset(): void {
        this.services = createVmtopoServices();
    }

    /** Runs one input (a reproducer's `//!` header is ignored) through the pipeline. */
    async run(input: string): Promise<DocumentResult> {
        const start = performance.now();
        const run = new Run(this, stripReproducerHeader(input));
        const logged: string[] = [];
        const restore = captureConsoleError(line => logged.push(line));
        const internalBefore = this.internalErrorCount();
        try {
            await run.execute();
        } catch (err) {
            run.exception('pipeline', err);
        } finally {
            restore();
        }
        // Output on console.error and the services' internal-error count are failures of their own
        // only when nothing else explains them (a crashing check logs and leaves a diagnostic).
        const internalAfter = this.internalErrorCount();
        if (!run.failures.some(f => f.kind === 'exception')) {
            for (const line of logged.slice(0, 5)) run.fail('exception', 'console.error', line);
            if (logged.length === 0 && internalAfter > internalBefore) {
                run.fail('exception', 'internal-errors', `services reported ${internalAfter - internalBefore} internal error(s)`);
            }
        }
        const ms = performance.now() - start;
        if (this.slowMs > 0 && ms > this.slowMs) run.fail('slow', 'pipeline', `took ${Math.round(ms)} ms (bound ${this.slowMs} ms)`);
        return { failures: run.failures, ms, stats: run.stats };
    }

    /** @internal */
    get current(): Services { return this.services; }
    /** @internal */
    nextId(): number { return ++this.counter; }
    /** @internal */
    get options() { return { lspOffsets: this.lspOffsets, maxFixes: this.maxFixes, maxFixableDiagnostics: this.maxFixableDiagnostics }; }

    private internalErrorCount(): number {
        const log = (this.services.vmtopo as unknown as { log?: { InternalErrors?: { count?: number } } }).log;
        return log?.InternalErrors?.count ?? 0;
    }
}

interface File { name: string; text: string }

class Run {
    readonly failures: Failure[] = [];
    readonly stats: DocumentResult['stats'] = {
        files: 0, diagnostics: 0, vms: 0, exports: 0, refusals: 0, lspRequests: 0, codeActions: 0,
        stageMs: { build: 0, export: 0, lsp: 0, actions: 0, fixes: 0, edit: 0, probe: 0 }
    };
    private readonly files: File[];

    constructor(private readonly pipeline: FuzzPipeline, text: string) {
        this.files = splitFiles(text);
        this.stats.files = this.files.length;
    }

    private get services(): Services { return this.pipeline.current; }

    /**
     * Records a failure; the signature is `kind@where: detail`, where is the stage's first word (or
     * `signatureStage`), the detail {@link normalize}d unless `raw`.
     */
    fail(kind: FailureKind, stage: string, message: string, signatureDetail?: string, raw = false, signatureStage?: string): void {
        const detail = signatureDetail ?? message;
        const where = signatureStage ?? stage.replace(/ .*/, '');
        this.failures.push({ kind, stage, message, signature: `${kind}@${where}: ${raw ? detail : normalize(detail)}` });
    }

    exception(stage: string, err: unknown): void {
        const message = err instanceof Error ? `${err.name}: ${err.message}` : `thrown: ${String(err)}`;
        // Where a stack overflow strikes is chance: the frame would split one bug into many signatures.
        const overflow = err instanceof RangeError && /call stack/i.test(err.message);
        const frame = err instanceof Error && !overflow ? topFrame(err) : '';
        this.fail('exception', stage, err instanceof Error && err.stack ? `${message}\n${err.stack.split('\n').slice(1, 6).join('\n')}` : message,
            `${message.split('\n')[0]}${frame ? ` at ${frame}` : ''}`);
    }

    private async step<T>(stage: string, fn: () => T | Promise<T>): Promise<T | undefined> {
        this.pipeline.onStage(stage);
        try {
            return await fn();
        } catch (err) {
            this.exception(stage, err);
            return undefined;
        }
    }

    async execute(): Promise<void> {
        const id = this.pipeline.nextId();
        const ms = this.stats.stageMs;
        let t = performance.now();
        const lap = (stage: keyof typeof ms) => {
            const now = performance.now();
            ms[stage] += now - t;
            t = now;
        };
        const documents = await this.step('build', () => this.buildWorkspace(`d${id}`, this.files));
        lap('build');
        if (documents) {
            const diagnostics = documents.flatMap(d => d.diagnostics ?? []);
            this.stats.diagnostics = diagnostics.length;
            this.checkInternalDiagnostics('validate', diagnostics);
            await this.step('model+export', () => this.exports());
            lap('export');
            for (const doc of documents) await this.languageServices(doc);
            lap('lsp');
            const actions = await this.codeActions(documents);
            lap('actions');
            const before = errorKeys(documents);
            await this.remove(documents);
            lap('build');
            await this.checkFixes(actions, before, id);
            lap('fixes');
            await this.step('edit', () => this.checkEdit(id));
            lap('edit');
        }
        await this.probeParser(id);
        lap('probe');
    }

    /**
     * Stage 6: types a space after a `{` of the first file (one chosen from a hash of the text) in a
     * built workspace, as the editor does, and compares each document's diagnostics (range,
     * severity, code, message) with those of a fresh build of the edited files.
     */
    private async checkEdit(id: number): Promise<void> {
        const first = this.files[0];
        // Two more builds: for the generated documents, not for the big-input tests' megabytes.
        if (this.files.reduce((n, f) => n + f.text.length, 0) > EDIT_STAGE_MAX_CHARS) return;
        const braces: number[] = [];
        for (let i = first.text.indexOf('{'); i >= 0 && braces.length < 1000; i = first.text.indexOf('{', i + 1)) braces.push(i);
        if (braces.length === 0) return;
        const at = braces[hashText(first.text) % braces.length] + 1;
        const edited = [{ ...first, text: `${first.text.slice(0, at)} ${first.text.slice(at)}` }, ...this.files.slice(1)];
        const { shared } = this.services;
        const view = (docs: readonly LangiumDocument[]) => docs.map(d => (d.diagnostics ?? []).map(x =>
            `${x.range.start.line}:${x.range.start.character}-${x.range.end.line}:${x.range.end.character} ${x.severity} ${String(x.code)} ${messageText(x)}`));
        // One workspace at a time: names are unique across the workspace (SYN005).
        const updated = await this.buildWorkspace(`e${id}`, this.files);
        let incremental: string[][];
        try {
            shared.workspace.TextDocuments.set(TextDocument.create(updated[0].uri.toString(), 'vmtopo', 2, edited[0].text));
            await shared.workspace.DocumentBuilder.update([updated[0].uri], []);
            incremental = view(updated);
        } finally {
            shared.workspace.TextDocuments.delete(updated[0].uri.toString());
            await this.remove(updated);
        }
        const fresh = await this.buildWorkspace(`f${id}`, edited);
        const expected = view(fresh);
        await this.remove(fresh);
        const i = incremental.findIndex((d, n) => JSON.stringify(d) !== JSON.stringify(expected[n]));
        if (i >= 0) {
            const got = incremental[i].find((d, n) => d !== expected[i][n]) ?? '(none)';
            const want = expected[i].find((d, n) => d !== incremental[i][n]) ?? '(none)';
            this.fail('incremental', 'edit', `after typing a space at offset ${at} of ${first.name}, ${this.files[i]?.name ?? 'a file'} has ${got}; a fresh build has ${want}`,
                `${this.files[i]?.name ?? 'file'} differs`);
        }
    }

    private async buildWorkspace(folder: string, files: readonly File[]): Promise<LangiumDocument[]> {
        const { shared } = this.services;
        const documents: LangiumDocument[] = [];
        try {
            for (const f of files) {
                const doc = shared.workspace.LangiumDocumentFactory.fromString(f.text, URI.file(`/fuzz/${folder}/${f.name}`));
                shared.workspace.LangiumDocuments.addDocument(doc);
                documents.push(doc);
            }
            await shared.workspace.DocumentBuilder.build(documents, { validation: true });
        } catch (err) {
            await this.remove(documents);
            throw err;
        }
        return documents;
    }

    private async remove(documents: readonly LangiumDocument[]): Promise<void> {
        if (documents.length === 0) return;
        try {
            await this.services.shared.workspace.DocumentBuilder.update([], documents.map(d => d.uri));
        } catch (err) {
            this.exception('remove', err);
            this.pipeline.reset();
        }
    }

    private checkInternalDiagnostics(stage: string, diagnostics: readonly Diagnostic[]): void {
        for (const d of diagnostics) {
            const message = messageText(d);
            if (message.startsWith('An error occurred')) {
                // The same crash in the input and in a quick-fix's result is one bug: one signature.
                this.fail('exception', stage, `diagnostic at ${d.range.start.line + 1}:${d.range.start.character + 1}: ${message}`, message.split('\n')[0], false, 'validate');
            }
        }
    }

    private exports(): void {
        const resolved = this.services.vmtopo.model.TopologyProvider.get();
        for (const vm of resolved.topology.vms) {
            this.stats.vms++;
            for (const format of ['libvirt', 'nccl'] as const) {
                // The model of a half-typed VM may lack a name; the harness must not be what throws.
                const rawName: unknown = vm.name;
                const name = String(rawName);
                const stage = `export-${format} vm=${name.length > 40 ? `${name.slice(0, 40)}…` : name}`;
                let text: string;
                this.pipeline.onStage(stage);
                try {
                    text = exportVm(vm, format);
                } catch (err) {
                    if (err instanceof ExportError) {
                        this.stats.refusals++;
                        continue;
                    }
                    this.exception(stage, err);
                    continue;
                }
                this.stats.exports++;
                const valid = XMLValidator.validate(text);
                if (valid !== true) {
                    this.fail('malformed', stage, `not well-formed XML: ${valid.err.msg} (line ${valid.err.line}): ${JSON.stringify(lineOf(text, valid.err.line)).slice(0, 300)}`, valid.err.code);
                }
                if (format === 'nccl') {
                    for (const problem of ncclLimitProblems(text)) this.fail('nccl-limit', stage, problem.message, problem.signature);
                }
            }
        }
    }

    private async languageServices(doc: LangiumDocument): Promise<void> {
        const lsp = this.services.vmtopo.lsp;
        const text = doc.textDocument.getText();
        const textDocument = { uri: doc.textDocument.uri };
        const offsets = [0, text.length, ...chooseOffsets(text, this.pipeline.options.lspOffsets)];
        for (const offset of offsets) {
            const position = doc.textDocument.positionAt(offset);
            const where = `${position.line + 1}:${position.character + 1}`;
            this.stats.lspRequests += 4;
            await this.step(`hover ${where}`, () => lsp.HoverProvider?.getHoverContent(doc, { textDocument, position }));
            await this.step(`completion ${where}`, () => lsp.CompletionProvider?.getCompletion(doc, { textDocument, position }));
            await this.step(`definition ${where}`, () => lsp.DefinitionProvider?.getDefinition(doc, { textDocument, position }));
            await this.step(`references ${where}`, () => lsp.ReferencesProvider?.findReferences(doc, { textDocument, position, context: { includeDeclaration: true } }));
        }
        this.stats.lspRequests++;
        await this.step('document-symbols', () => lsp.DocumentSymbolProvider?.getSymbols(doc, { textDocument }));
    }

    private async codeActions(documents: readonly LangiumDocument[]): Promise<{ action: CodeAction; diagnostic: Diagnostic }[]> {
        const provider = this.services.vmtopo.lsp.CodeActionProvider;
        const found: { action: CodeAction; diagnostic: Diagnostic }[] = [];
        if (!provider) return found;
        const fixable = (d: Diagnostic) => typeof (d.data as { code?: unknown } | undefined)?.code === 'string';
        const candidates = documents.flatMap(doc => (doc.diagnostics ?? []).filter(fixable));
        const limit = this.pipeline.options.maxFixableDiagnostics;
        const chosen = new Set(candidates.length <= limit ? candidates : pickSome(candidates, limit, this.files.map(f => f.text).join('\n')));
        for (const doc of documents) {
            for (const diagnostic of doc.diagnostics ?? []) {
                if (fixable(diagnostic) && !chosen.has(diagnostic)) continue;
                const stage = `code-action ${String(diagnostic.code ?? '')}`;
                const actions = await this.step(stage, () => provider.getCodeActions(doc, {
                    textDocument: { uri: doc.textDocument.uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] }
                }));
                for (const a of actions ?? []) {
                    if (isCommand(a)) continue;
                    found.push({ action: a, diagnostic });
                }
            }
        }
        this.stats.codeActions = found.length;
        return found;
    }

    private async checkFixes(actions: readonly { action: CodeAction; diagnostic: Diagnostic }[], before: Map<string, number>, id: number): Promise<void> {
        const uriOf = (name: string) => URI.file(`/fuzz/d${id}/${name}`).toString();
        const limit = Math.min(actions.length, this.pipeline.options.maxFixes);
        for (let k = 0; k < limit; k++) {
            const { action, diagnostic } = actions[k];
            const code = String(diagnostic.code ?? '');
            const stage = `fix ${code}`;
            const fixed = await this.step(stage, () => applyWorkspaceEdit(this.files, action.edit, uriOf));
            if (!fixed) continue;
            const documents = await this.step(`${stage} re-validate`, () => this.buildWorkspace(`d${id}-fix${k}`, fixed));
            if (!documents) continue;
            const diagnostics = documents.flatMap(d => d.diagnostics ?? []);
            this.checkInternalDiagnostics(`${stage} re-validate`, diagnostics);
            const after = errorKeys(documents);
            await this.remove(documents);
            const added: string[] = [];
            for (const [key, n] of after) {
                for (let i = before.get(key) ?? 0; i < n; i++) added.push(key);
            }
            if (added.length > 0) {
                const at = `${diagnostic.range.start.line + 1}:${diagnostic.range.start.character + 1}`;
                this.fail('error-adding-fix', stage,
                    `quick-fix "${action.title}" for ${code} at ${at} adds ${added.length} error(s): ${added.slice(0, 5).join(' | ')}`,
                    `${code} fix adds ${[...new Set(added.map(a => a.split(' ')[0]))].sort().join(',')}`, true);
            }
        }
    }

    private async probeParser(id: number): Promise<void> {
        const documents = await this.step('probe', () => this.buildWorkspace(`d${id}-probe`, [{ name: 'probe.vmtopo', text: PROBE }]));
        if (!documents) {
            this.pipeline.reset();
            return;
        }
        const doc = documents[0];
        const problems = [
            ...doc.parseResult.lexerErrors.map(e => `lexer: ${e.message}`),
            ...doc.parseResult.parserErrors.map(e => `parser: ${e.message}`),
            ...(doc.diagnostics ?? []).filter(d => (d.severity ?? 1) === 1).map(d => `${String(d.code ?? '')} ${messageText(d)}`)
        ];
        await this.remove(documents);
        if (problems.length > 0) {
            this.fail('parser-state', 'probe', `\`${PROBE.trim()}\` built after this input with the same services has errors: ${problems.slice(0, 3).join(' | ')}`,
                `\`${PROBE.trim()}\` built afterwards has errors`, true);
            this.pipeline.reset();
        }
    }
}

/** Applies a code action's edit to the files; returns the new files (unchanged ones as they were). */
export function applyWorkspaceEdit(files: readonly File[], edit: WorkspaceEdit | undefined, uriOf: (name: string) => string): File[] {
    if (!edit) throw new Error('code action without an edit');
    const byUri = new Map<string, TextEdit[]>();
    for (const [uri, edits] of Object.entries(edit.changes ?? {})) byUri.set(uri, [...(byUri.get(uri) ?? []), ...edits]);
    for (const change of edit.documentChanges ?? []) {
        if (!('textDocument' in change)) throw new Error(`code action with a file operation: ${JSON.stringify(change)}`);
        byUri.set(change.textDocument.uri, [...(byUri.get(change.textDocument.uri) ?? []), ...change.edits.map(e => e as TextEdit)]);
    }
    const known = new Set(files.map(f => uriOf(f.name)));
    for (const uri of byUri.keys()) {
        if (!known.has(uri)) throw new Error(`code action edits a document that is not in the workspace: ${uri}`);
    }
    return files.map(f => {
        const edits = byUri.get(uriOf(f.name));
        if (!edits) return f;
        return { name: f.name, text: TextDocument.applyEdits(TextDocument.create(uriOf(f.name), 'vmtopo', 1, f.text), edits) };
    });
}

/** Error diagnostics of the documents as a multiset of `code message`. */
function errorKeys(documents: readonly LangiumDocument[]): Map<string, number> {
    const keys = new Map<string, number>();
    for (const d of documents.flatMap(doc => doc.diagnostics ?? [])) {
        if ((d.severity ?? 1) !== 1) continue;
        const code = d.code ?? (d.data as { code?: string } | undefined)?.code ?? '-';
        // Langium's lexer names the offset of an unexpected character; an edit before it moves it.
        const message = messageText(d).replace(/\bat offset: \d+/g, 'at offset: #');
        const key = `${String(code)} ${message}`;
        keys.set(key, (keys.get(key) ?? 0) + 1);
    }
    return keys;
}

function isCommand(a: Command | CodeAction): a is Command {
    return typeof (a as Command).command === 'string';
}

// ---------------------------------------------------------------------------------------------
// NCCL's XML reader

/**
 * Problems of an NCCL topology file for NCCL's own reader (NVIDIA/nccl 2.30 src/graph/xml.cc, xml.h):
 * no XML declaration; one element per line; attribute values in double quotes without entities
 * (NCCL does not decode them); element names, attribute names and values of at most 253 characters
 * (MAX_STR_LEN 255 less the terminator and xmlGetValue's check); at most 16 attributes per element;
 * at most 640 children per element; at most 256 elements in all.
 */
export function ncclLimitProblems(text: string): { message: string; signature: string }[] {
    const problems: { message: string; signature: string }[] = [];
    const add = (message: string, signature: string) => {
        if (problems.length < 20) problems.push({ message, signature });
    };
    if (text.startsWith('<?')) add('starts with an XML declaration, which NCCL does not read', 'XML declaration');
    const lines = text.replace(/\n$/, '').split('\n');
    const stack: { name: string; children: number }[] = [];
    let elements = 0;
    const lineRe = /^ *<(\/?)([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>$/;
    const attrRe = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
    lines.forEach((line, i) => {
        const where = `line ${i + 1}`;
        const m = lineRe.exec(line);
        if (!m) {
            add(`${where} is not one element: ${JSON.stringify(line.slice(0, 200))}`, 'line is not one element');
            return;
        }
        const [, closing, name, attrText, selfClosing] = m;
        if (closing) {
            stack.pop();
            return;
        }
        elements++;
        if (name.length > NCCL_LIMITS.maxString) add(`${where}: element name of ${name.length} characters > ${NCCL_LIMITS.maxString}`, 'element name too long');
        const attrs = [...attrText.matchAll(attrRe)];
        if (attrs.length > NCCL_LIMITS.maxAttributes) add(`${where}: <${name}> has ${attrs.length} attributes > ${NCCL_LIMITS.maxAttributes}`, `<${name}> too many attributes`);
        for (const a of attrs) {
            const [, key, dq, sq] = a;
            const value = dq ?? sq ?? '';
            if (sq !== undefined) add(`${where}: <${name} ${key}> in single quotes; NCCL reads double quotes`, `<${name} ${key}> single quotes`);
            if (key.length > NCCL_LIMITS.maxString) add(`${where}: attribute name of ${key.length} characters > ${NCCL_LIMITS.maxString}`, 'attribute name too long');
            if (value.length > NCCL_LIMITS.maxString) {
                add(`${where}: <${name} ${key}="…"> value of ${value.length} characters > ${NCCL_LIMITS.maxString}: ${value.slice(0, 60)}…`, `<${name} ${key}> value too long`);
            }
            if (/&/.test(value)) add(`${where}: <${name} ${key}> value has an entity or '&', which NCCL does not decode: ${JSON.stringify(value.slice(0, 80))}`, `<${name} ${key}> entity`);
        }
        const parent = stack.at(-1);
        if (parent && ++parent.children === NCCL_LIMITS.maxChildren + 1) {
            add(`${where}: <${parent.name}> has more than ${NCCL_LIMITS.maxChildren} children`, `<${parent.name}> too many children`);
        }
        if (!selfClosing) stack.push({ name, children: 0 });
    });
    if (elements > NCCL_LIMITS.maxElements) add(`${elements} elements > ${NCCL_LIMITS.maxElements} (NCCL_TOPO_XML_MAX_NODES)`, 'too many elements');
    return problems;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Numbers blanked, long words cut: the same bug on different inputs gives the same text. */
export function normalize(message: string): string {
    return message.split('\n')[0]
        .replace(/reference to '[^']*'/g, "reference to '…'")
        .replace(/(\/\w+@\d+)+/g, '/…')
        .replace(/\d+/g, '#')
        .replace(/[^\s'"`:,()<>=]{40,}/g, w => `${w.slice(0, 12)}…`)
        .replace(/'[^']{30,}'|"[^"]{30,}"/g, q => `${q.slice(0, 14)}…${q[0]}`)
        .slice(0, 160);
}

/** Name of the first stack frame (the function that threw). */
function topFrame(err: Error): string {
    const line = err.stack?.split('\n').slice(1).find(l => /^\s+at /.test(l));
    const m = line && /^\s+at (?:async )?([^\s(]+)/.exec(line);
    return m && !m[1].includes('/') ? m[1] : '';
}

function lineOf(text: string, line: number): string {
    return text.split('\n')[line - 1] ?? '';
}

/** FNV-1a of the text (sampled for long texts), the seed of the LSP offsets. */
function hashText(text: string): number {
    let h = 0x811c9dc5;
    const step = Math.max(1, Math.floor(text.length / 65536));
    for (let i = 0; i < text.length; i += step) {
        h ^= text.charCodeAt(i);
        h = Math.imul(h, 0x01000193) >>> 0;
    }
    return (h ^ text.length) >>> 0;
}

function chooseOffsets(text: string, n: number): number[] {
    const next = random(text);
    return Array.from({ length: n }, () => Math.floor(next() * (text.length + 1)));
}

/** `n` of the items, chosen from a hash of `text`. */
function pickSome<T>(items: readonly T[], n: number, text: string): T[] {
    const next = random(text);
    const pool = [...items];
    const picked: T[] = [];
    while (picked.length < n && pool.length > 0) picked.push(pool.splice(Math.floor(next() * pool.length), 1)[0]);
    return picked;
}

/** A PRNG (mulberry32) seeded with the hash of `text`: numbers in [0, 1). */
function random(text: string): () => number {
    return mulberry32(hashText(text) || 1);
}

/** Routes `console.error` to `sink` until the returned function is called. */
function captureConsoleError(sink: (line: string) => void): () => void {
    const original = console.error;
    console.error = (...args: unknown[]) => {
        sink(args.map(a => (a instanceof Error ? `${a.name}: ${a.message}` : String(a))).join(' ').slice(0, 2000));
    };
    return () => {
        console.error = original;
    };
}
