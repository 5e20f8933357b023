/**
 * The document builder, with two changes to Langium's.
 *
 * 1. Documents whose diagnostics can change with an edit are validated again, even when they do not
 *    reference the edited document. The topology rules look across files — two VM files on one host
 *    can clash (LOC008, GEN001) without either referencing the other — so after an edit of one of
 *    them, every document that declares or names (in `vm … on HOST`) a host the edited document
 *    declares or names is looked at again: the host's own file and the files of every VM on that
 *    host. Host and VM names are unique across the workspace (SYN005, SYN009 by case), so documents
 *    that declare a host or VM of the same name, up to case, are looked at together too.
 *
 * 2. Those documents, and the documents that reference an edited one (Langium re-links them all),
 *    are re-linked and validated again only where that can change something. A keystroke in a
 *    hosts file re-parses one host block (`incremental.ts`); every other block keeps its syntax
 *    nodes, so the VM files that name the other hosts of the file would link to the same nodes again
 *    and, with the same topology reports, get the same diagnostics. So, for each such document (one
 *    whose text did not change, that was built completely and has no linking error):
 *    - it is re-linked when one of its references points into a block of an edited document that is
 *      no longer in that document's tree (replaced, or the whole document parsed again), or when
 *      the names an edited document exports changed (the global scope may then resolve a name
 *      elsewhere): decided after the edited documents are parsed and indexed, before linking;
 *    - otherwise it keeps its links, and it is validated again when the document validator cannot
 *      tell that its diagnostics stay (`VmtopoDocumentValidator.mayChange`: the node checks'
 *      reports of every block kept, the same topology reports handed out, none related to an edited
 *      document): decided after linking, before validation;
 *    - otherwise it keeps its diagnostics (and is not published again).
 *    The documents so decided are added to the build's list of documents in progress (Langium's
 *    `buildDocuments` reads that list again for linking and for validation). An update cancelled
 *    before these decisions leaves its undecided documents unlinked, as Langium's update leaves
 *    the documents it re-links: a later build links and validates them.
 *
 * Also: which hosts a document declares or names is kept per parse result, and a document's link
 * facts per linking (`index-manager.ts` `linkFacts`), instead of being computed again for every
 * document of the workspace on every keystroke.
 */
import { DefaultDocumentBuilder, DocumentState, type AstNode, type BuildOptions, type LangiumDocument, type LangiumSharedCoreServices, type ParseResult, type URI } from 'langium';
import type { CancellationToken } from 'vscode-languageserver';
import type { Model } from '../generated/ast.js';
import { linkFacts } from './index-manager.js';
import { VmtopoDocumentValidator } from './document-validator.js';

/** {@link hostsOf} per parse result (a document's text parsed again, even a block of it, gives a new one). */
const HOSTS_OF = new WeakMap<ParseResult, Set<string>>();

/**
 * Names of the hosts a document declares and the hosts its VMs name (`vm … on HOST`), plus one key
 * per host or VM name it declares, lower-cased (`\0name:train-a`; no name holds `\0`), for the
 * workspace-wide name checks.
 */
export function hostsOf(document: LangiumDocument | undefined): Set<string> {
    const parseResult = document?.parseResult;
    const known = parseResult && HOSTS_OF.get(parseResult);
    if (known) return known;
    const names = new Set<string>();
    const model = parseResult?.value as Model | undefined;
    for (const h of model?.hosts ?? []) if (h.name) names.add(h.name).add(`\0name:${h.name.toLowerCase()}`);
    for (const v of model?.vms ?? []) {
        if (v.host?.$refText) names.add(v.host.$refText);
        if (v.name) names.add(`\0name:${v.name.toLowerCase()}`);
    }
    if (parseResult) HOSTS_OF.set(parseResult, names);
    return names;
}

/** An update whose re-linking and validation of unchanged documents is decided during its build (see the module comment). */
interface Deferred {
    /** `URI.toString()` of the changed documents. */
    readonly changed: ReadonlySet<string>;
    /** What each changed document exported before the update ({@link exportsKey}). */
    readonly exportsBefore: ReadonlyMap<string, string>;
    /** Unchanged documents that Langium or change 1 would re-link: decided during the build. */
    readonly candidates: LangiumDocument[];
    /** Candidates left with their links, whose validation is decided after linking. */
    kept: LangiumDocument[];
    /** The build's list of documents in progress and its options (`buildDocuments`' arguments). */
    build?: { readonly documents: LangiumDocument[]; readonly options: BuildOptions };
    relinkDecided: boolean;
    validationDecided: boolean;
}

export class VmtopoDocumentBuilder extends DefaultDocumentBuilder {
    /** Hosts touched by the update in progress (from the documents as they were before it). */
    private touchedHosts = new Set<string>();
    /** The update in progress, while its decisions are pending. */
    private deferred?: Deferred;

    constructor(services: LangiumSharedCoreServices) {
        super(services);
        this.onBuildPhase(DocumentState.ComputedScopes, () => this.decideRelinking());
        this.onBuildPhase(DocumentState.IndexedReferences, () => this.decideValidation());
    }

    override async update(changed: URI[], deleted: URI[], cancelToken?: CancellationToken): Promise<void> {
        const before = new Set<string>();
        for (const uri of [...changed, ...deleted]) for (const h of hostsOf(this.langiumDocuments.getDocument(uri))) before.add(h);
        this.touchedHosts = before;
        const changedKeys = new Set(changed.map(u => u.toString()));
        // Deletions (a folder, perhaps) and changes of documents not known yet: Langium's way.
        const deferring = deleted.length === 0 && changed.every(u => this.langiumDocuments.getDocument(u) !== undefined);
        const deferred: Deferred | undefined = deferring ? {
            changed: changedKeys,
            exportsBefore: new Map([...changedKeys].map(uri => [uri, this.exportsKey(uri)])),
            candidates: [], kept: [], relinkDecided: false, validationDecided: false
        } : undefined;
        this.deferred = deferred;
        try {
            await super.update(changed, deleted, cancelToken);
        } finally {
            this.touchedHosts = new Set();
            this.deferred = undefined;
            if (deferred) {
                // Cancelled before a decision: those documents may hold stale links or diagnostics.
                const open = !deferred.relinkDecided ? deferred.candidates : !deferred.validationDecided ? deferred.kept : [];
                for (const doc of open) this.resetToState(doc, DocumentState.ComputedScopes);
            }
        }
        // An edit can also make a document name a new host (`vm a on h2`): validate that host's files too.
        const fresh = new Set<string>();
        for (const uri of changed) for (const h of hostsOf(this.langiumDocuments.getDocument(uri))) if (!before.has(h)) fresh.add(h);
        if (fresh.size === 0) return;
        const related = this.langiumDocuments.all
            .filter(d => !changedKeys.has(d.uri.toString()) && [...hostsOf(d)].some(h => fresh.has(h)))
            .toArray();
        if (related.length > 0) await this.build(related, { validation: true }, cancelToken);
    }

    /**
     * Langium's answer (a linking error, or a reference into a changed document) or change 1 of
     * the module comment; during an update that defers, the unchanged documents built completely
     * without a linking error are decided later instead (and answered false here).
     */
    protected override shouldRelink(document: LangiumDocument, changedUris: Set<string>): boolean {
        const uri = document.uri.toString();
        if (linkFacts(document).hasErrors) return true;
        const affected = this.indexManager.isAffected(document, changedUris) || this.touches(document);
        if (!affected) return false;
        const deferred = this.deferred;
        if (!deferred || document.state < DocumentState.Validated || !this.buildState.get(uri)?.completed) return true;
        deferred.candidates.push(document);
        return false;
    }

    /** Whether the document declares or names a host that the update in progress touches. */
    private touches(document: LangiumDocument): boolean {
        if (this.touchedHosts.size === 0) return false;
        for (const h of hostsOf(document)) if (this.touchedHosts.has(h)) return true;
        return false;
    }

    protected override async buildDocuments(documents: LangiumDocument[], options: BuildOptions, cancelToken: CancellationToken): Promise<void> {
        if (this.deferred && !this.deferred.build) this.deferred.build = { documents, options };
        return super.buildDocuments(documents, options, cancelToken);
    }

    /** After the changed documents are parsed and indexed: which candidates to re-link (see the module comment). */
    private decideRelinking(): void {
        const deferred = this.deferred;
        if (!deferred?.build || deferred.relinkDecided) return;
        deferred.relinkDecided = true;
        const exportsChanged = [...deferred.changed].some(uri => this.exportsKey(uri) !== deferred.exportsBefore.get(uri));
        for (const document of deferred.candidates) {
            if (exportsChanged || this.hasDetachedTarget(document, deferred.changed)) this.add(deferred, document, DocumentState.ComputedScopes);
            else deferred.kept.push(document);
        }
    }

    /** After linking: which candidates that kept their links to validate again (see the module comment). */
    private decideValidation(): void {
        const deferred = this.deferred;
        if (!deferred?.build || !deferred.relinkDecided || deferred.validationDecided) return;
        deferred.validationDecided = true;
        for (const document of deferred.kept) {
            const validator = this.serviceRegistry.getServices(document.uri).validation.DocumentValidator;
            const categories = this.requestedCategories(document, deferred.build.options).join(',');
            if (!(validator instanceof VmtopoDocumentValidator) || validator.mayChange(document, categories, deferred.changed)) {
                this.add(deferred, document, DocumentState.IndexedReferences);
            }
        }
    }

    /** Puts `document` back to `state` and into the build in progress. */
    private add(deferred: Deferred, document: LangiumDocument, state: DocumentState): void {
        this.resetToState(document, state);
        this.prepareBuild([document], deferred.build!.options);
        deferred.build!.documents.push(document);
    }

    /** The validation categories a build with `options` runs on a document not validated yet (as Langium's `findMissingValidationCategories`). */
    private requestedCategories(document: LangiumDocument, options: BuildOptions): readonly string[] {
        const all = [...this.serviceRegistry.getServices(document.uri).validation.ValidationRegistry.getAllValidationCategories(document)];
        if (options.validation === true) return all;
        return typeof options.validation === 'object' ? (options.validation.categories ?? all) : [];
    }

    /**
     * Whether a reference of `document` points into a document of `changed` at a node that is no
     * longer in that document's tree: its top-level block was replaced, or the document was parsed
     * again as a whole (a new root).
     */
    private hasDetachedTarget(document: LangiumDocument, changed: ReadonlySet<string>): boolean {
        for (const ref of document.references) {
            const target = 'ref' in ref ? ref.ref : undefined;
            if (!target) return true;
            let block: AstNode = target;
            while (block.$container?.$container) block = block.$container;
            const root = block.$container;
            const owner = (root ?? block).$document;
            if (!owner) return true;
            if (!changed.has(owner.uri.toString())) continue;
            if (!root || owner.parseResult.value !== root || !block.$containerProperty) return true;
            const slot = (root as unknown as Record<string, unknown>)[block.$containerProperty];
            if ((Array.isArray(slot) ? slot[block.$containerIndex ?? -1] : slot) !== block) return true;
        }
        return false;
    }

    /** What the document `uri` exports to the workspace's scope, as one string (type, name and path of each, in order). */
    private exportsKey(uri: string): string {
        return this.indexManager.allElements(undefined, new Set([uri]))
            .map(d => `${d.type}\0${d.name}\0${d.path}`).toArray().join('\n');
    }
}
