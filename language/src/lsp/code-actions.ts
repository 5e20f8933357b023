/**
 * Quick-fixes, keyed by the diagnostic's `data.code` (the rule id), as in Langium's arithmetics example.
 */
import type { CodeActionProvider, LangiumServices } from 'langium/lsp';
import type { LangiumDocument, MaybePromise } from 'langium';
import type { CodeAction, CodeActionParams, Command } from 'vscode-languageserver';

export class VmtopoCodeActionProvider implements CodeActionProvider {
    constructor(protected readonly services: LangiumServices) {}

    getCodeActions(_document: LangiumDocument, _params: CodeActionParams): MaybePromise<Array<Command | CodeAction>> {
        return [];
    }
}
