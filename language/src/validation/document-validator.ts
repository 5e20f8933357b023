/**
 * vmtopo's DocumentValidator: Langium's, followed by post-processing steps over the whole list of a
 * document's diagnostics. Each step is a method of its own:
 *
 * - codes ({@link VmtopoDocumentValidator.withCodes}): every diagnostic carries a `code`; Langium
 *   puts the code of its own lexing, parsing and linking diagnostics only in `data.code`
 *   (`lexing-error`, `parsing-error`, `linking-error`), and this copies it to `code`;
 * - rule control ({@link VmtopoDocumentValidator.applyRuleControl}): suppression comments
 *   (`// vmtopo-ignore LOC001: reason`) and per-rule severity overrides (`vmtopo.rules`, the CLI's
 *   `--rule`), applied to every diagnostic that carries a rule code — see `rule-control.ts`.
 *
 * Langium's own lexing/parsing/linking diagnostics are made in `processLexingErrors`,
 * `processParsingErrors` and `processLinkingErrors`, which a subclass may override; rule control
 * runs after them, so a code given there is subject to overrides and suppressions too.
 */
import {
    AstUtils, Cancellation, DefaultDocumentValidator, interruptAndCheck,
    type AstNode, type LangiumDocument, type ValidationAcceptor, type ValidationOptions
} from 'langium';
import type { LangiumServices } from 'langium/lsp';
import type { CancellationToken } from 'vscode-languageserver';
import type { Diagnostic } from 'vscode-languageserver-types';
import { applyRuleControl, type RuleControl } from './rule-control.js';
import { VmtopoValidationRegistry } from './validation-registry.js';

export class VmtopoDocumentValidator extends DefaultDocumentValidator {
    protected readonly ruleControl: RuleControl;

    constructor(services: LangiumServices & { validation: { RuleControl: RuleControl } }) {
        super(services);
        this.ruleControl = services.validation.RuleControl;
    }

    override async validateDocument(document: LangiumDocument, options: ValidationOptions = {}, cancelToken?: CancellationToken): Promise<Diagnostic[]> {
        const diagnostics = this.withCodes(await super.validateDocument(document, options, cancelToken));
        return this.applyRuleControl(document, diagnostics, options);
    }

    /**
     * Langium's walk over the AST running each node's checks, without its per-node and per-check
     * promises: a check that returns no promise (see `VmtopoValidationRegistry`) is not awaited, and
     * the walk yields to the event loop (`interruptAndCheck`: cancellation, and a pause every 10 ms)
     * every 64 nodes instead of at every node. Same checks, same order; about 10 ms less per
     * keystroke in a 10k-line file (6,900 nodes, 19,000 check calls).
     */
    protected override async validateAstNodes(rootNode: AstNode, options: ValidationOptions, acceptor: ValidationAcceptor,
        cancelToken: CancellationToken = Cancellation.CancellationToken.None): Promise<void> {
        const registry = this.validationRegistry;
        if (this.profiler?.isActive('validating') || !(registry instanceof VmtopoValidationRegistry)) {
            return super.validateAstNodes(rootNode, options, acceptor, cancelToken);
        }
        const nodes = AstUtils.streamAst(rootNode).iterator();
        let visited = 0;
        for (const node of nodes) {
            if (visited++ % 64 === 0) await interruptAndCheck(cancelToken);
            const nodeOptions = this.validateSingleNodeOptions(node, options);
            if (nodeOptions.validateNode) {
                for (const check of registry.checksFor(node.$type, options.categories)) {
                    const result = check(node, acceptor, cancelToken);
                    if (result) await result;
                }
            }
            if (!nodeOptions.validateChildren) nodes.prune();
        }
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
     * Rule control: drops the diagnostics that a suppression comment silences, adds the SUP
     * diagnostics of the document's suppression comments (only in a pass that ran the built-in and
     * the fast checks, where every rule runs: only then is an unused suppression known), then applies
     * the severity overrides.
     */
    protected async applyRuleControl(document: LangiumDocument, diagnostics: Diagnostic[], options: ValidationOptions): Promise<Diagnostic[]> {
        const overrides = await this.ruleControl.overrides();
        const text = document.textDocument.getText();
        const fullPass = !options.categories || (options.categories.includes('built-in') && options.categories.includes('fast'));
        const result = applyRuleControl(text, diagnostics, overrides, fullPass);
        this.ruleControl.recordSuppressed(document, result.suppressed, fullPass);
        return result.diagnostics;
    }
}
