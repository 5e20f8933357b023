/**
 * Scoping for vmtopo.
 *
 * - References inside a VM (`gpu gpu0`, `nic mlx5_3`) resolve among the devices of the VM's host,
 *   wherever they are nested in PCIe switches, and even when the host is declared in another file.
 * - Every other reference uses Langium's default container walk, but each container's local
 *   symbols are served from a hashed scope cached per document, so linking stays linear: Langium's
 *   default `StreamScope` searches linearly per reference and makes a 10k-line file take seconds
 *   (shared/reference/langium-and-extension-anchors.md §4.2).
 * - Total over half-typed text: completion asks for the scope of a reference whose node is not
 *   built yet (`host { nic "ConnectX-7" … on |`: the container is still the host, which has no
 *   `socket` reference). The target type is then taken from the property name alone, which names
 *   one target type throughout the grammar; otherwise the scope is empty.
 */
import { AstUtils, DefaultScopeProvider, DocumentCache, EMPTY_SCOPE, MapScope, WorkspaceCache, type AstNode, type LangiumCoreServices, type ReferenceInfo, type Scope } from 'langium';
import { isVm, type Device, type Host, type PcieSwitch } from './generated/ast.js';

export class VmtopoScopeProvider extends DefaultScopeProvider {
    /** Per document: container node → reference type → scope of its local symbols. */
    private readonly localScopes: DocumentCache<AstNode, Map<string, Scope>>;
    /** Host node → scope of all its devices (hosts may live in other documents, so per workspace). */
    private readonly hostDeviceScopes: WorkspaceCache<Host, Map<string, Scope>>;
    /** Reference property name → its one target type in the grammar (undefined when it has several). */
    private targetsByProperty?: Map<string, string | undefined>;

    constructor(services: LangiumCoreServices) {
        super(services);
        this.localScopes = new DocumentCache(services.shared);
        this.hostDeviceScopes = new WorkspaceCache(services.shared);
    }

    override getScope(context: ReferenceInfo): Scope {
        const referenceType = this.referenceType(context);
        if (referenceType === undefined) return EMPTY_SCOPE;
        const vm = AstUtils.getContainerOfType(context.container, isVm);
        if (vm && (referenceType === 'Gpu' || referenceType === 'Nic') && context.property !== 'host') {
            const host = vm.host?.ref;
            if (!host) return this.getGlobalScope(referenceType, context);
            const byType = this.hostDeviceScopes.get(host, () => new Map());
            let scope = byType.get(referenceType);
            if (!scope) {
                const descriptions = collectDevices(host)
                    // A device being typed (`gpu` without its name yet) cannot be referenced.
                    .filter(d => typeof d.name === 'string' && d.name.length > 0 && this.reflection.isInstance(d, referenceType))
                    .map(d => this.descriptions.createDescription(d, d.name));
                scope = new MapScope(descriptions);
                byType.set(referenceType, scope);
            }
            return scope;
        }
        const document = AstUtils.getDocument(context.container);
        const localSymbols = document.localSymbols;
        let result: Scope = this.getGlobalScope(referenceType, context);
        if (!localSymbols) return result;
        const containers: AstNode[] = [];
        for (let node: AstNode | undefined = context.container; node; node = node.$container) {
            if (localSymbols.has(node)) containers.push(node);
        }
        for (let i = containers.length - 1; i >= 0; i--) {
            const container = containers[i];
            const byType = this.localScopes.get(document.uri, container, () => new Map());
            let scope = byType.get(referenceType);
            if (!scope) {
                scope = new MapScope(localSymbols.getStream(container).filter(d => this.reflection.isSubtype(d.type, referenceType)));
                byType.set(referenceType, scope);
            }
            result = chain(scope, result);
        }
        return result;
    }

    /**
     * The target type of a reference: from its container's type when the container has that
     * reference property, else from the property name alone when it names one target type in the
     * whole grammar (see the module comment), else undefined.
     */
    private referenceType(context: ReferenceInfo): string | undefined {
        const meta = this.reflection.getTypeMetaData(context.container.$type).properties[context.property];
        if (meta?.referenceType) return meta.referenceType;
        if (!this.targetsByProperty) {
            const targets = new Map<string, string | undefined>();
            for (const type of this.reflection.getAllTypes()) {
                for (const [name, property] of Object.entries(this.reflection.getTypeMetaData(type).properties)) {
                    if (!property.referenceType) continue;
                    targets.set(name, targets.has(name) && targets.get(name) !== property.referenceType ? undefined : property.referenceType);
                }
            }
            this.targetsByProperty = targets;
        }
        return this.targetsByProperty.get(context.property);
    }
}

/** Every device of a host, depth-first through nested PCIe switches. */
export function collectDevices(host: Host): Device[] {
    const out: Device[] = [...(host.devices ?? [])];
    const visit = (s: PcieSwitch) => {
        for (const d of s.devices ?? []) out.push(d);
        (s.switches ?? []).forEach(visit);
    };
    (host.switches ?? []).forEach(visit);
    return out;
}

/** A scope that looks in `inner` first, then in `outer`. */
function chain(inner: Scope, outer: Scope): Scope {
    return {
        getElement: name => inner.getElement(name) ?? outer.getElement(name),
        getElements: name => inner.getElements(name).concat(outer.getElements(name)),
        getAllElements: () => inner.getAllElements().concat(outer.getAllElements())
    };
}
