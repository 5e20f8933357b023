/**
 * Helpers of the rule-control tests (test/rules/engine/control.test.ts) and the SUP rules'
 * (test/rules/sup.test.ts): a document where LOC008 fires, a suppression comment placed above it,
 * and a build with `vmtopo.rules` settings.
 */
import { URI, type LangiumDocument } from 'langium';
import type { Diagnostic } from 'vscode-languageserver-types';
import { createVmtopoServices } from '../../language/src/vmtopo-module.js';
import { HOST } from './fixtures.js';

/** Two VMs pinned to CPUs 1 and 17 both: LOC008 (error) on b's pin list. */
export const CLASH = HOST + `
vm a on h {
    vcpus 4 pin 0-1,16-17
    memory 8 GiB on numa 0
}
vm b on h {
    vcpus 4 pin 1-2,17-18
    memory 8 GiB on numa 0
}
`;

/** CLASH with `comment` on its own line right above b's pin list. */
export function withCommentAbovePin(comment: string, text = CLASH): string {
    return text.replace('    vcpus 4 pin 1-2,17-18', `    ${comment}\n    vcpus 4 pin 1-2,17-18`);
}

/** Builds `text` as `/ws/main.vmtopo` with the `vmtopo.rules` setting `rules`, as the language server does. */
export async function check(text: string, rules?: Record<string, unknown>): Promise<{ diagnostics: Diagnostic[]; services: ReturnType<typeof createVmtopoServices>; document: LangiumDocument }> {
    const services = createVmtopoServices();
    if (rules) services.shared.workspace.ConfigurationProvider.updateConfiguration({ settings: { vmtopo: { rules } } });
    const document = services.shared.workspace.LangiumDocumentFactory.fromString(text, URI.file('/ws/main.vmtopo'));
    services.shared.workspace.LangiumDocuments.addDocument(document);
    await services.shared.workspace.DocumentBuilder.build([document], { validation: true });
    return { diagnostics: document.diagnostics ?? [], services, document };
}

/** `CODE:severity` of each diagnostic, sorted. */
export const codes = (ds: Diagnostic[]) => ds.map(d => `${d.code}:${d.severity}`).sort();
