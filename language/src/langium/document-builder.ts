/**
 * The document builder, with one change to Langium's: documents whose diagnostics can change with
 * an edit are validated again, even when they do not reference the edited document. The topology
 * rules look across files — two VM files on one host can clash (LOC008, GEN001) without either
 * referencing the other — so after an edit of one of them, every document that declares or names
 * (in `vm … on HOST`) a host the edited document declares or names is re-linked and re-validated:
 * the host's own file and the files of every VM on that host. Host and VM names are unique across
 * the workspace (SYN005, SYN009 by case), so documents that declare a host or VM of the same name,
 * up to case, are re-validated together too.
 */
import { DefaultDocumentBuilder, type LangiumDocument, type URI } from 'langium';
import type { CancellationToken } from 'vscode-languageserver';
import type { Model } from '../generated/ast.js';

/**
 * Names of the hosts a document declares and the hosts its VMs name (`vm … on HOST`), plus one key
 * per host or VM name it declares, lower-cased (`\0name:train-a`; no name holds `\0`), for the
 * workspace-wide name checks.
 */
export function hostsOf(document: LangiumDocument | undefined): Set<string> {
    const names = new Set<string>();
    const model = document?.parseResult?.value as Model | undefined;
    for (const h of model?.hosts ?? []) if (h.name) names.add(h.name).add(`\0name:${h.name.toLowerCase()}`);
    for (const v of model?.vms ?? []) {
        if (v.host?.$refText) names.add(v.host.$refText);
        if (v.name) names.add(`\0name:${v.name.toLowerCase()}`);
    }
    return names;
}

export class VmtopoDocumentBuilder extends DefaultDocumentBuilder {
    /** Hosts touched by the update in progress (from the documents as they were before it). */
    private touchedHosts = new Set<string>();

    override async update(changed: URI[], deleted: URI[], cancelToken?: CancellationToken): Promise<void> {
        const before = new Set<string>();
        for (const uri of [...changed, ...deleted]) for (const h of hostsOf(this.langiumDocuments.getDocument(uri))) before.add(h);
        this.touchedHosts = before;
        try {
            await super.update(changed, deleted, cancelToken);
        } finally {
            this.touchedHosts = new Set();
        }
        // An edit can also make a document name a new host (`vm a on h2`): validate that host's files too.
        const changedKeys = new Set(changed.map(u => u.toString()));
        const fresh = new Set<string>();
        for (const uri of changed) for (const h of hostsOf(this.langiumDocuments.getDocument(uri))) if (!before.has(h)) fresh.add(h);
        if (fresh.size === 0) return;
        const related = this.langiumDocuments.all
            .filter(d => !changedKeys.has(d.uri.toString()) && [...hostsOf(d)].some(h => fresh.has(h)))
            .toArray();
        if (related.length > 0) await this.build(related, { validation: true }, cancelToken);
    }

    protected override shouldRelink(document: LangiumDocument, changedUris: Set<string>): boolean {
        if (super.shouldRelink(document, changedUris)) return true;
        if (this.touchedHosts.size === 0) return false;
        for (const h of hostsOf(document)) if (this.touchedHosts.has(h)) return true;
        return false;
    }
}
