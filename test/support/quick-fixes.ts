/**
 * Helpers of the quick-fix tests (test/rules/<prefix>.test.ts, test/editor/fix-all.test.ts): the
 * verified code actions the language server's provider offers for diagnostics, applied to the
 * text, and the checks every fix must pass — its diagnostic is gone and no error was added.
 */
import { afterEach, expect } from 'vitest';
import { testCodeAction } from 'langium/test';
import { createVmtopoServices } from '../../language/src/vmtopo-module.js';
import type { CodeAction, Diagnostic } from 'vscode-languageserver';
import { messageText } from '../../language/src/kernel/diagnostics.js';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { build, buildWorkspace, withCode, type Workspace } from './util.js';

const key = (d: Diagnostic) => `${String(d.code)}|${messageText(d)}`;

/** The errors among `ds`. */
export const errors = (ds: Diagnostic[]) => ds.filter(d => d.severity === 1);

/** The actions the provider offers (verified) for `diagnostics` of the workspace's first document; `only`: the requested kinds. */
export async function actionsOf(ws: Workspace, diagnostics: Diagnostic[], only?: string[]): Promise<CodeAction[]> {
    const doc = ws.documents[0];
    const provider = ws.services.vmtopo.lsp.CodeActionProvider!;
    const range = diagnostics[0]?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const result = await provider.getCodeActions(doc, { textDocument: { uri: doc.uri.toString() }, range, context: { diagnostics, only } });
    return (result ?? []) as CodeAction[];
}

/** `text` with the action's edits applied; the action must edit exactly one document. */
export function apply(text: string, action: CodeAction): string {
    const changes = action.edit?.changes ?? {};
    const uris = Object.keys(changes);
    expect(uris).toHaveLength(1);
    return TextDocument.applyEdits(TextDocument.create(uris[0], 'vmtopo', 1, text), changes[uris[0]]);
}

/**
 * Asserts that the first diagnostic `code` of `before` is offered the action `title`, that applying
 * it gives `after`, and that `after` has no diagnostic of `code` and no error `before` lacked.
 */
export async function expectFix(before: string, code: string, title: string, after: string): Promise<void> {
    const ws = await build(before);
    const d = withCode(ws.diagnostics(), code)[0];
    expect(d, `${code} in before`).toBeDefined();
    const actions = await actionsOf(ws, [d]);
    const action = actions.find(a => a.title === title);
    expect(action, `offered: ${actions.map(a => a.title).join(' | ')}`).toBeDefined();
    expect(action!.kind).toBe('quickfix');
    const text = apply(before, action!);
    expect(text).toBe(after);
    const ds = (await build(text)).diagnostics();
    expect(withCode(ds, code)).toEqual([]);
    const had = new Set(errors(ws.diagnostics()).map(key));
    expect(errors(ds).filter(x => !had.has(key(x))).map(key)).toEqual([]);
}

/** The verified actions for the first diagnostic of `code` in `text`. */
export async function actionsFor(text: string, code: string): Promise<{ diagnostic: Diagnostic; actions: CodeAction[] }> {
    const ws = await buildWorkspace({ 'main.vmtopo': text });
    const diagnostic = ws.diagnostics().find(d => d.code === code);
    if (!diagnostic) throw new Error(`no ${code} in:\n${text}\n${JSON.stringify(ws.diagnostics().map(d => [d.code, d.message]))}`);
    const document = ws.documents[0];
    const provider = ws.services.vmtopo.lsp.CodeActionProvider!;
    const result = await provider.getCodeActions(document, {
        textDocument: { uri: document.uri.toString() }, range: diagnostic.range, context: { diagnostics: [diagnostic] }
    });
    return { diagnostic, actions: (result ?? []) as CodeAction[] };
}

/** Applies the action titled `title` (or the first) and checks the rule is gone and no new error appeared. */
export async function fixes(before: string, code: string, title?: string | RegExp): Promise<{ after: string; titles: string[] }> {
    const { actions } = await actionsFor(before, code);
    const titles = actions.map(a => a.title);
    const action = title === undefined ? actions[0] : actions.find(a => (typeof title === 'string' ? a.title === title : title.test(a.title)));
    expect(action, `${code}: offered ${JSON.stringify(titles)}`).toBeDefined();
    const after = apply(before, action!);
    const errors = (t: string) => build(t).then(ws => ws.diagnostics());
    const beforeErrors = new Set((await errors(before)).filter(d => d.severity === 1).map(d => key(d)));
    const afterDiagnostics = await errors(after);
    expect(afterDiagnostics.filter(d => d.code === code)).toEqual([]);
    expect(afterDiagnostics.filter(d => d.severity === 1 && !beforeErrors.has(key(d)))).toEqual([]);
    return { after, titles };
}

/**
 * Langium's `testCodeAction` over fresh vmtopo services, for a test file: each call's document is
 * disposed after its test (`afterEach`, registered here). Call once at the top of the file.
 */
export function codeActionTester(): ReturnType<typeof testCodeAction> {
    const fix = testCodeAction(createVmtopoServices().vmtopo);
    let dispose: (() => Promise<void>) | undefined;
    afterEach(async () => {
        await dispose?.();
        dispose = undefined;
    });
    return async (...args: Parameters<typeof fix>) => {
        const result = await fix(...args);
        dispose = () => result.dispose();
        return result;
    };
}
