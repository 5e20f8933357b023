/**
 * vmtopo's DocumentValidator: Langium's, followed by post-processing steps over the whole list of a
 * document's diagnostics. Each step is a method of its own:
 *
 * - codes ({@link VmtopoDocumentValidator.withCodes}): every diagnostic carries a `code`; Langium
 *   puts the code of its own lexing, parsing and linking diagnostics only in `data.code`
 *   (`lexing-error`, `parsing-error`, `linking-error`), and this copies it to `code`;
 * - rule control ({@link VmtopoDocumentValidator.applyRuleControl}): suppression comments
 *   (`// vmtopo-ignore LOC001: reason`) and per-rule severity overrides (`vmtopo.rules`, the CLI's
 *   `--rule`), applied to every diagnostic that carries a rule code — `RuleControl` in
 *   `rules/engine/control.ts`, which this layer knows only as a {@link DiagnosticsFilter}.
 *
 * Langium's own lexing/parsing/linking diagnostics are made in `processLexingErrors`,
 * `processParsingErrors` and `processLinkingErrors`, which a subclass may override; rule control
 * runs after them, so a code given there is subject to overrides and suppressions too.
 */
import {
    Cancellation, DefaultDocumentValidator, interruptAndCheck,
    type AstNode, type LangiumDocument, type ValidationAcceptor, type ValidationOptions
} from 'langium';
import type { LangiumCoreServices } from 'langium';
import type { CancellationToken } from 'vscode-languageserver';
import type { Diagnostic } from 'vscode-languageserver-types';
import { VmtopoValidationRegistry } from './validation-registry.js';
import { childNodes, pushChildren } from '../kernel/ast-walk.js';
import type { VmtopoLinker } from './linker.js';
import type { InternalErrors } from '../kernel/internal-errors.js';

const ALL_NODES = Object.freeze({ validateNode: true, validateChildren: true });

/** One call of the validation acceptor: severity, message, info (with the node it concerns). */
type KeptReport = Parameters<ValidationAcceptor>;

/** The node checks' reports on one block, and what they were made under. */
interface BlockReports {
    /** The validation categories of the pass (joined). */
    readonly categories: string;
    /** What the block's references resolved to, in order. */
    readonly targets: ReadonlyArray<AstNode | undefined>;
    readonly reports: readonly KeptReport[];
}

function sameNodes(a: ReadonlyArray<AstNode | undefined>, b: ReadonlyArray<AstNode | undefined>): boolean {
    return a.length === b.length && a.every((n, i) => n === b[i]);
}

/**
 * The last step of a document's validation, applied to the whole list of its diagnostics (rule
 * control: suppression comments and severity overrides, `rules/engine/control.ts`). `fullPass`: the
 * pass ran the built-in and the fast checks, so every rule ran.
 */
export interface DiagnosticsFilter {
    apply(document: LangiumDocument, diagnostics: Diagnostic[], fullPass: boolean): Promise<Diagnostic[]>;
}

export class VmtopoDocumentValidator extends DefaultDocumentValidator {
    protected readonly ruleControl: DiagnosticsFilter;
    protected readonly linker: VmtopoLinker;
    protected readonly internalErrors: InternalErrors;
    /** What the node checks reported on each top-level block at its last validation. */
    private readonly blockReports = new WeakMap<AstNode, BlockReports>();

    constructor(services: LangiumCoreServices & { validation: { RuleControl: DiagnosticsFilter }; log: { InternalErrors: InternalErrors } }) {
        super(services);
        this.ruleControl = services.validation.RuleControl;
        this.linker = services.references.Linker as VmtopoLinker;
        this.internalErrors = services.log.InternalErrors;
    }

    override async validateDocument(document: LangiumDocument, options: ValidationOptions = {}, cancelToken?: CancellationToken): Promise<Diagnostic[]> {
        const diagnostics = this.withCodes(await super.validateDocument(document, options, cancelToken));
        return this.applyRuleControl(document, diagnostics, options);
    }

    /**
     * Langium's walk over the AST running each node's checks, without its per-node and per-check
     * promises: a check that returns no promise (see `VmtopoValidationRegistry`) is not awaited, and
     * the walk yields to the event loop (`interruptAndCheck`: cancellation, and a pause every 10 ms)
     * every 64 nodes instead of at every node. Same checks, same order.
     *
     * And block by block, reusing what the checks reported on a top-level block (a host or a VM) at
     * the last validation while the block is the same syntax node (an edit elsewhere in the file
     * keeps it: `langium/incremental.ts`) and its references resolve to the same nodes: the reports
     * are given to the acceptor again, which places them where the block is now. The contract that
     * makes this exact: a node check reads its node, the block it is in and what the block's
     * references resolve to — anything across blocks is a topology rule (`topology-rules.ts`). A
     * block whose checks reported an internal failure is checked again next time. After a keystroke
     * in one block of a 10k-line file, the checks run over that block only.
     */
    protected override async validateAstNodes(rootNode: AstNode, options: ValidationOptions, acceptor: ValidationAcceptor,
        cancelToken: CancellationToken = Cancellation.CancellationToken.None): Promise<void> {
        const registry = this.validationRegistry;
        if (this.profiler?.isActive('validating') || !(registry instanceof VmtopoValidationRegistry)) {
            return super.validateAstNodes(rootNode, options, acceptor, cancelToken);
        }
        let visited = 0;
        // The checks of one node, in order; a promise only once a check returns one (none of
        // vmtopo's do), and then each later check runs after it has settled.
        const checkNode = (node: AstNode, accept: ValidationAcceptor): Promise<void> | undefined => {
            const checks = registry.checksFor(node.$type, options.categories);
            for (let i = 0; i < checks.length; i++) {
                const result = checks[i](node, accept, cancelToken);
                if (!result) continue;
                return (async () => {
                    await result;
                    for (let j = i + 1; j < checks.length; j++) {
                        const later = checks[j](node, accept, cancelToken);
                        if (later) await later;
                    }
                })();
            }
            return undefined;
        };
        const check = async (node: AstNode, accept: ValidationAcceptor): Promise<boolean> => {
            const nodeOptions = this.validateSingleNodeOptions(node, options);
            if (nodeOptions.validateNode) await checkNode(node, accept);
            return nodeOptions.validateChildren;
        };
        if (!await check(rootNode, acceptor)) return;
        const categories = options.categories ? options.categories.join(',') : '\0all';
        for (const block of childNodes(rootNode)) {
            const references = this.linker.referencesOf(block);
            const targets = references?.map(r => r.ref);
            const kept = this.blockReports.get(block);
            if (kept && targets && kept.categories === categories && sameNodes(kept.targets, targets)) {
                for (const [severity, message, info] of kept.reports) acceptor(severity, message, info);
                continue;
            }
            const reports: KeptReport[] = [];
            const record: ValidationAcceptor = (severity, message, info) => {
                reports.push([severity, message, info]);
                acceptor(severity, message, info);
            };
            const failures = this.internalErrors.count;
            const stack: AstNode[] = [block];
            while (stack.length > 0) {
                const node = stack.pop()!;
                if (visited++ % 64 === 0) await interruptAndCheck(cancelToken);
                const nodeOptions = this.validateSingleNodeOptions(node, options);
                if (nodeOptions.validateNode) {
                    const pending = checkNode(node, record);
                    if (pending) await pending;
                }
                if (nodeOptions.validateChildren) pushChildren(stack, node);
            }
            const placedByNode = reports.every(([, , info]) => (info as { range?: unknown }).range === undefined);
            if (targets && placedByNode && this.internalErrors.count === failures) this.blockReports.set(block, { categories, targets, reports });
            else this.blockReports.delete(block);
        }
    }

    /**
     * Whether validating `document` again now, with the validation categories `categories` (joined
     * by commas), could give it other diagnostics than it has — when neither its text nor its
     * links changed since its last validation, but the documents of `changedUris` did. False only
     * when every part of its diagnostics is known to stay: the node checks' reports on every block
     * are kept for these categories and these reference targets (and so reused as they are), and
     * the checks of the root node (the topology diagnostics handed out by the rules engine) say
     * they stay ({@link rootChecksStay}). Lexing, parsing and linking diagnostics come from the
     * text and the links; rule control from the text, the diagnostics and the settings (a change
     * of the settings validates every document: `RuleControl`).
     */
    mayChange(document: LangiumDocument, categories: string, changedUris: ReadonlySet<string>): boolean {
        const root = document.parseResult.value;
        if (!this.rootChecksStay || !this.rootChecksStay(document, changedUris)) return true;
        for (const block of childNodes(root)) {
            const kept = this.blockReports.get(block);
            const references = this.linker.referencesOf(block);
            if (!kept || !references || kept.categories !== categories || kept.targets.length !== references.length) return true;
            for (let i = 0; i < references.length; i++) if (references[i].ref !== kept.targets[i]) return true;
        }
        return false;
    }

    /**
     * Set by the rules engine, which registers the root node's checks: whether they would give
     * `document` what they gave it at its last validation. Unset: they may not.
     */
    rootChecksStay?: (document: LangiumDocument, changedUris: ReadonlySet<string>) => boolean;

    /** Every node and its children are validated: one options object for all (Langium makes one per node). */
    protected override validateSingleNodeOptions(_node: AstNode, _options: ValidationOptions): { validateNode: boolean; validateChildren: boolean } {
        return ALL_NODES;
    }

    /**
     * Sets `code` from `data.code` where a diagnostic has none (Langium's `lexing-error`,
     * `parsing-error`, `linking-error`), so that the editor, `vmtopo check` and the JSON output show
     * a code for every diagnostic. The rules' diagnostics already carry their rule id in both.
     */
    protected withCodes(diagnostics: Diagnostic[]): Diagnostic[] {
        for (const d of diagnostics) {
            const code = (d.data as { code?: unknown } | undefined)?.code;
            if (d.code === undefined && (typeof code === 'string' || typeof code === 'number')) d.code = code;
        }
        return diagnostics;
    }

    /**
     * Rule control ({@link DiagnosticsFilter}): drops the diagnostics that a suppression comment
     * silences, adds the SUP diagnostics of the document's suppression comments (only in a pass that
     * ran the built-in and the fast checks, where every rule runs: only then is an unused
     * suppression known), then applies the severity overrides.
     */
    protected async applyRuleControl(document: LangiumDocument, diagnostics: Diagnostic[], options: ValidationOptions): Promise<Diagnostic[]> {
        const fullPass = !options.categories || (options.categories.includes('built-in') && options.categories.includes('fast'));
        return this.ruleControl.apply(document, diagnostics, fullPass);
    }
}
