/**
 * The index of cross-references, computed when it is read instead of on every build.
 *
 * Langium's `DefaultIndexManager.updateReferences` walks the whole AST of every (re)built document
 * and makes a `ReferenceDescription` (with source and target AST paths and a text segment) for every
 * reference — on every keystroke, about 14 ms in a 10k-line file — although only two things read
 * them: `isAffected` (which documents to re-link after a change) and `findAllReferences` (find
 * references, rename, document highlight). Here `updateReferences` only notes the document;
 * `isAffected` answers from the document's resolved references (`document.references`, filled by the
 * linker: the same references, with the same target documents), and `findAllReferences` first makes
 * the descriptions of the documents noted since, exactly as Langium would have made them.
 */
import {
    AstUtils, DefaultIndexManager, DefaultReferenceDescriptionProvider, isReference,
    type AstNode, type AstNodeDescription, type LangiumDocument, type ReferenceDescription, type Stream, type URI
} from 'langium';

/** Langium's reference descriptions, with a synchronous way to make those of one document. */
export class VmtopoReferenceDescriptionProvider extends DefaultReferenceDescriptionProvider {
    /** What `createDescriptions(document)` returns, made synchronously (no cancellation). */
    descriptionsOf(document: LangiumDocument): ReferenceDescription[] {
        const descriptions: ReferenceDescription[] = [];
        for (const node of AstUtils.streamAst(document.parseResult.value)) {
            AstUtils.streamReferences(node).forEach(refInfo => {
                if (!refInfo.reference.error) descriptions.push(...this.createInfoDescriptions(refInfo));
            });
        }
        return descriptions;
    }
}

/**
 * What the builder asks of a document's resolved references on every update (for every document of
 * the workspace): whether one has a linking error, and which documents their targets are in (those
 * Langium's reference descriptions would name: no linking error, a reference text). Made once per
 * linking: Langium's linker replaces `document.references` when it unlinks the document and only
 * appends to it otherwise, so the facts hold while the array and its length are the same.
 */
export interface LinkFacts {
    readonly hasErrors: boolean;
    /** `URI.toString()` of the documents the resolved references point into. */
    readonly targetUris: ReadonlySet<string>;
}

const LINK_FACTS = new WeakMap<LangiumDocument, { references: readonly unknown[]; length: number; facts: LinkFacts }>();

/** The {@link LinkFacts} of `document` as linked now. */
export function linkFacts(document: LangiumDocument): LinkFacts {
    const references = document.references;
    const known = LINK_FACTS.get(document);
    if (known && known.references === references && known.length === references.length) return known.facts;
    let hasErrors = false;
    const targetUris = new Set<string>();
    for (const ref of references) {
        if (ref.error !== undefined) hasErrors = true;
        if (ref.error || !ref.$refNode) continue;
        const targets: Array<AstNodeDescription | undefined> = isReference(ref) ? [ref.$nodeDescription] : ref.items.map(item => item.$nodeDescription);
        for (const target of targets) if (target) targetUris.add(target.documentUri.toString());
    }
    const facts = { hasErrors, targetUris };
    LINK_FACTS.set(document, { references, length: references.length, facts });
    return facts;
}

export class VmtopoIndexManager extends DefaultIndexManager {
    /** Documents linked since their reference descriptions were last made (URI string → document). */
    private readonly pending = new Map<string, LangiumDocument>();

    override async updateReferences(document: LangiumDocument): Promise<void> {
        const provider = this.serviceRegistry.getServices(document.uri).workspace.ReferenceDescriptionProvider;
        if (!(provider instanceof VmtopoReferenceDescriptionProvider)) return super.updateReferences(document);
        const uri = document.uri.toString();
        this.referenceIndex.delete(uri);
        this.pending.set(uri, document);
    }

    override removeReferences(uri: URI): void {
        this.pending.delete(uri.toString());
        super.removeReferences(uri);
    }

    override findAllReferences(targetNode: AstNode, astNodePath: string): Stream<ReferenceDescription> {
        for (const [uri, document] of this.pending) {
            const provider = this.serviceRegistry.getServices(document.uri).workspace.ReferenceDescriptionProvider as VmtopoReferenceDescriptionProvider;
            this.referenceIndex.set(uri, provider.descriptionsOf(document));
        }
        this.pending.clear();
        return super.findAllReferences(targetNode, astNodePath);
    }

    /**
     * Whether `document` references a document of `changedUris` (other than itself). For a document
     * without descriptions yet, from its resolved references: those that Langium's descriptions
     * would hold (no linking error, a reference text) and their targets' documents.
     */
    override isAffected(document: LangiumDocument, changedUris: Set<string>): boolean {
        const uri = document.uri.toString();
        if (this.pending.get(uri) !== document) return super.isAffected(document, changedUris);
        const { targetUris } = linkFacts(document);
        for (const changed of changedUris) if (changed !== uri && targetUris.has(changed)) return true;
        return false;
    }
}
