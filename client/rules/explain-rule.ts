/**
 * Rule docs offline, inside the editor: "vmtopo: Explain Rule" (`vmtopo.explainRule`) opens the
 * packaged `docs/rules.md` (shipped in the .vsix, see .vscodeignore) in VS Code's Markdown preview,
 * scrolled to the rule's section (`#loc001`). Two ways lead there from a diagnostic:
 *
 * - its code link (`Diagnostic.code.target`, LSP `codeDescription.href`): {@link explainRuleLinks}
 *   rewrites the server's link into `command:vmtopo.explainRule?["LOC001"]`. VS Code opens a code
 *   target with its opener service and `allowCommands: true` in the editor hover, the error peek and
 *   the Problems panel (microsoft/vscode: src/vs/editor/contrib/hover/browser/markerHoverParticipant.ts,
 *   src/vs/editor/contrib/gotoError/browser/gotoErrorWidget.ts, src/vs/platform/opener/browser/link.ts),
 *   so a `command:` URI runs the command; a `file:` URI of the Markdown would open its source text.
 *   The server keeps a plain `file:`/`https:` link for other LSP clients (rules/engine/links.ts).
 * - the "Explain RULE" code action on each vmtopo diagnostic ({@link ExplainRuleActions}).
 *
 * The Markdown preview scrolls to a URI's fragment (markdown-language-features,
 * src/preview/previewManager.ts `openDynamicPreview`: `preview.update(resource, resource.fragment …)`);
 * where the preview is not available the file opens as text at the rule's heading.
 */
import * as vscode from 'vscode';
import type { Command } from '../commands/command-manager.js';

/** The command id (package.json `contributes.commands`). */
export const EXPLAIN_RULE_COMMAND = 'vmtopo.explainRule';

/** A rule id as diagnostics carry it: capital letters then digits (`LOC001`, `IOMMU002`). */
const RULE_ID = /^[A-Z]+\d+$/;

/** The rule id of a vmtopo diagnostic (its code), or undefined for another source or a code that is no rule. */
export function ruleIdOf(diagnostic: vscode.Diagnostic): string | undefined {
    if (diagnostic.source !== 'vmtopo') return undefined;
    const code = diagnostic.code;
    const value = typeof code === 'object' && code !== null ? code.value : code;
    const id = value === undefined ? undefined : String(value);
    return id !== undefined && RULE_ID.test(id) ? id : undefined;
}

/** `command:vmtopo.explainRule?%5B%22LOC001%22%5D`: runs the command with the rule id as its one argument. */
export function explainRuleUri(ruleId: string): vscode.Uri {
    return vscode.Uri.parse(`command:${EXPLAIN_RULE_COMMAND}?${encodeURIComponent(JSON.stringify([ruleId]))}`);
}

/** Language-client middleware step: each vmtopo diagnostic's code link opens its rule in the editor. */
export function explainRuleLinks(diagnostics: vscode.Diagnostic[]): vscode.Diagnostic[] {
    for (const diagnostic of diagnostics) {
        const id = ruleIdOf(diagnostic);
        if (id) diagnostic.code = { value: id, target: explainRuleUri(id) };
    }
    return diagnostics;
}

export class ExplainRuleCommand implements Command {
    readonly id = 'vmtopo.explainRule';

    constructor(private readonly extensionUri: vscode.Uri, private readonly log: vscode.LogOutputChannel) {}

    /**
     * `rule`: a rule id (`LOC001`, any case); without it, asks for one. Opens the rule's section of
     * the packaged docs/rules.md and resolves with the URI opened (`…/docs/rules.md#loc001`), or
     * undefined when cancelled.
     */
    async execute(_documentUri: vscode.Uri | undefined, rule?: unknown): Promise<vscode.Uri | undefined> {
        const given = typeof rule === 'string' && rule.trim() !== '' ? rule : await vscode.window.showInputBox({
            title: 'vmtopo: Explain Rule', prompt: 'Rule id (the code of a diagnostic)', placeHolder: 'LOC001',
            validateInput: value => RULE_ID.test(value.trim().toUpperCase()) ? undefined : 'A rule id such as LOC001'
        });
        if (given === undefined) return undefined;
        const id = given.trim().toUpperCase();
        const docs = vscode.Uri.joinPath(this.extensionUri, 'docs', 'rules.md');
        const text = new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(docs));
        const line = text.split('\n').indexOf(`## ${id}`);
        if (line < 0) {
            void vscode.window.showWarningMessage(`vmtopo: no rule ${id} in the rule docs.`);
            return undefined;
        }
        const target = docs.with({ fragment: id.toLowerCase() });
        try {
            await vscode.commands.executeCommand('markdown.showPreviewToSide', target);
        } catch (err) {
            // No Markdown preview (the built-in extension disabled): the source, at the rule's heading.
            this.log.warn(`markdown preview unavailable (${err instanceof Error ? err.message : String(err)}); opening ${docs.toString()} as text`);
            const position = new vscode.Position(line, 0);
            await vscode.window.showTextDocument(docs, { selection: new vscode.Range(position, position), viewColumn: vscode.ViewColumn.Beside });
        }
        return target;
    }
}

/** "Explain LOC001" on every vmtopo diagnostic of the range: opens the rule's docs (quick-fix menu, Ctrl+.). */
export class ExplainRuleActions implements vscode.CodeActionProvider {
    /** `quickfix.explain`: listed with the quick-fixes (Ctrl+.), never applied by "fix all". Made on first use, not at load. */
    static kind(): vscode.CodeActionKind {
        return vscode.CodeActionKind.QuickFix.append('explain');
    }

    provideCodeActions(_document: vscode.TextDocument, _range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
        const ids = [...new Set(context.diagnostics.map(ruleIdOf).filter((id): id is string => id !== undefined))];
        return ids.map(id => {
            const action = new vscode.CodeAction(`Explain ${id} (rule documentation)`, ExplainRuleActions.kind());
            action.command = { command: EXPLAIN_RULE_COMMAND, title: `Explain ${id}`, arguments: [id] };
            action.diagnostics = context.diagnostics.filter(d => ruleIdOf(d) === id);
            return action;
        });
    }
}
