/**
 * Scoping for vmtopo.
 *
 * - References inside a VM (`gpu gpu0`, `nic mlx5_3`) resolve among the devices of the VM's host,
 *   wherever they are nested in PCIe switches, and even when the host is declared in another file.
 * - Every other reference uses Langium's default container walk, but each container's local
 *   symbols are served from a hashed scope cached per document, so linking stays linear: Langium's
 *   default `StreamScope` searches linearly per reference (`StreamScope.getElement`,
 *   https://github.com/eclipse-langium/langium/blob/main/packages/langium/src/references/scope.ts)
 *   and makes a 10k-line file take seconds (measured with Langium 4.4.0: 2.5–4.1 s to build 10,800
 *   lines with the default scope, 0.4–0.6 s with a cached one; `npm run bench` measures vmtopo).
 * - Local symbols, and the descriptions in the scopes, are made on demand, when linking first asks
 *   for them ({@link VmtopoScopeComputation}, {@link LazyMapScope}): most named nodes are never the
 *   target of a reference.
 * - Total over half-typed text: completion asks for the scope of a reference whose node is not
 *   built yet (`host { nic "ConnectX-7" … on |`: the container is still the host, which has no
 *   `socket` reference). The target type is then taken from the property name alone, which names
 *   one target type throughout the grammar; otherwise the scope is empty.
 */
import {
    AstUtils, DefaultScopeComputation, DefaultScopeProvider, DocumentCache, EMPTY_SCOPE, MapScope, WorkspaceCache, stream,
    type AstNode, type AstNodeDescription, type AstReflection, type LangiumCoreServices, type LangiumDocument, type LocalSymbols, type ReferenceInfo, type Scope, type Stream
} from 'langium';
import { isHost, isVm, type Device, type Host, type PcieSwitch } from '../generated/ast.js';
import { allDevices } from '../model/host-syntax.js';
import { childNodes } from '../kernel/ast-walk.js';

export class VmtopoScopeProvider extends DefaultScopeProvider {
    /** Per document: container node → reference type → scope of its local symbols. */
    private readonly localScopes: DocumentCache<AstNode, Map<string, Scope>>;
    /**
     * Per document: node → reference type → the local scopes of the node and its containers, chained
     * innermost first (null: none of them has symbols of the type). Shared by every reference below
     * the node: the walk up the containers is made once per container, not once per reference.
     */
    private readonly localChains: DocumentCache<AstNode, Map<string, Scope | null>>;
    /** Host node → its devices and their scopes by type (hosts may live in other documents, so per workspace). */
    private readonly hostDeviceScopes: WorkspaceCache<Host, HostDevices>;
    /** Reference property name → its one target type in the grammar (undefined when it has several). */
    private targetsByProperty?: Map<string, string | undefined>;

    constructor(services: LangiumCoreServices) {
        super(services);
        this.localScopes = new DocumentCache(services.shared);
        this.localChains = new DocumentCache(services.shared);
        this.hostDeviceScopes = new WorkspaceCache(services.shared);
    }

    override getScope(context: ReferenceInfo): Scope {
        const referenceType = this.referenceType(context);
        if (referenceType === undefined) return EMPTY_SCOPE;
        const vm = AstUtils.getContainerOfType(context.container, isVm);
        if (vm && (referenceType === 'Gpu' || referenceType === 'Nic' || referenceType === 'NvSwitch') && context.property !== 'host') {
            const host = vm.host?.ref;
            if (!host) return this.getGlobalScope(referenceType, context);
            let devices = this.hostDeviceScopes.get(host);
            if (!devices) this.hostDeviceScopes.set(host, devices = { devices: this.devicesOf(host), byType: new Map() });
            let scope = devices.byType.get(referenceType);
            if (!scope) {
                scope = new LazyMapScope(devices.devices.filter(d => this.reflection.isInstance(d.node, referenceType)),
                    (node, name) => this.descriptions.createDescription(node, name));
                devices.byType.set(referenceType, scope);
            }
            return scope;
        }
        const document = AstUtils.getDocument(context.container);
        const localSymbols = document.localSymbols;
        let result: Scope = this.getGlobalScope(referenceType, context);
        // In a host made from a template, `on SOCKET` also finds the template's sockets (the host's own come first).
        const templated = referenceType === 'Socket' ? AstUtils.getContainerOfType(context.container, isHost)?.template?.ref : undefined;
        if (templated) {
            const sockets = (templated.sockets ?? []).filter(s => typeof s.name === 'string' && s.name.length > 0).map(s => ({ node: s, name: s.name }));
            result = chain(new LazyMapScope(sockets, (node, name) => this.descriptions.createDescription(node, name)), result);
        }
        if (!localSymbols) return result;
        if (localSymbols instanceof LazyLocalSymbols) {
            const locals = this.localChain(document, localSymbols, context.container, referenceType);
            return locals ? chain(locals, result) : result;
        }
        // Local symbols of another kind (Langium's): the containers that have any, innermost first.
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
     * The local scopes of `node` and its containers for `referenceType` (those with symbols of the
     * type: LazyLocalSymbols.namedOfType), chained innermost first; undefined when none has any.
     * Made once per node and type, from its container's chain.
     */
    private localChain(document: LangiumDocument, symbols: LazyLocalSymbols, node: AstNode | undefined, referenceType: string): Scope | undefined {
        if (!node) return undefined;
        let byType = this.localChains.get(document.uri, node);
        if (!byType) this.localChains.set(document.uri, node, byType = new Map<string, Scope | null>());
        const known = byType.get(referenceType);
        if (known !== undefined) return known ?? undefined;
        const outer = this.localChain(document, symbols, node.$container, referenceType);
        let own: Scope | undefined;
        if (symbols.namedOfType(node, referenceType).length > 0) {
            const scopes = this.localScopes.get(document.uri, node, () => new Map());
            own = scopes.get(referenceType);
            if (!own) {
                own = new LazyMapScope(symbols.namedOfType(node, referenceType), (n, name) => symbols.describe(n, name));
                scopes.set(referenceType, own);
            }
        }
        const made = own ? (outer ? chain(own, outer) : own) : outer;
        byType.set(referenceType, made ?? null);
        return made;
    }

    /**
     * The devices a VM of `host` can name: the host's own and, for a host made from a template, the
     * template's that it does not override; those with a name (a device being typed, `gpu` without
     * its name yet, cannot be referenced).
     */
    private devicesOf(host: Host): Named[] {
        const named: Named[] = [];
        const add = (d: Device) => { if (typeof d.name === 'string' && d.name.length > 0) named.push({ node: d, name: d.name }); };
        // `allDevices` order (those straight on the host, then the switches' depth first), in one walk.
        const walk = (s: PcieSwitch) => { s.devices?.forEach(add); s.switches?.forEach(walk); };
        host.devices?.forEach(add);
        host.switches?.forEach(walk);
        const template = host.template?.ref;
        if (template) {
            const ownNames = new Set(named.map(n => n.name));
            for (const d of allDevices(template as unknown as Host)) if (!ownNames.has(d.name)) add(d);
        }
        return named;
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


/** A scope that looks in `inner` first, then in `outer`. */
function chain(inner: Scope, outer: Scope): Scope {
    return new ChainScope(inner, outer);
}

class ChainScope implements Scope {
    constructor(private readonly inner: Scope, private readonly outer: Scope) {}

    getElement(name: string): AstNodeDescription | undefined {
        return this.inner.getElement(name) ?? this.outer.getElement(name);
    }

    getElements(name: string): Stream<AstNodeDescription> {
        return this.inner.getElements(name).concat(this.outer.getElements(name));
    }

    getAllElements(): Stream<AstNodeDescription> {
        return this.inner.getAllElements().concat(this.outer.getAllElements());
    }
}

/** A host's nameable devices, and their scopes by reference type (made when first asked for). */
interface HostDevices {
    readonly devices: readonly Named[];
    readonly byType: Map<string, Scope>;
}

/** A named node, as a scope or the local symbols hold it before its description is needed. */
interface Named {
    readonly node: AstNode;
    readonly name: string;
}

/**
 * What Langium's `MapScope(descriptions)` answers (by name, the last of a name winning; every
 * element once, in order), with each description made when it is first asked for: a host's device
 * scope is made for every host that a VM names, but a VM names only some of its devices.
 */
class LazyMapScope implements Scope {
    private readonly nodes = new Map<string, AstNode>();
    private readonly made = new Map<string, AstNodeDescription>();

    constructor(named: Iterable<Named>, private readonly describe: (node: AstNode, name: string) => AstNodeDescription) {
        for (const { node, name } of named) this.nodes.set(name, node);
    }

    getElement(name: string): AstNodeDescription | undefined {
        const node = this.nodes.get(name);
        if (!node) return undefined;
        let description = this.made.get(name);
        if (!description) this.made.set(name, description = this.describe(node, name));
        return description;
    }

    getElements(name: string): Stream<AstNodeDescription> {
        const description = this.getElement(name);
        return stream(description ? [description] : []);
    }

    getAllElements(): Stream<AstNodeDescription> {
        return stream(this.nodes.keys()).map(name => this.getElement(name)!);
    }
}

/**
 * Langium's scope computation, with the local symbols made on demand. Langium's default walks the
 * whole AST of every (re)built document and makes a description (with its AST path and text range)
 * for every named node — every device, switch, socket, host and VM — on every keystroke, although
 * linking asks only for sockets (`on SOCKET`, among the host's) and hosts (`vm … on HOST`, among the
 * file's); device references inside a VM are served from the host's devices
 * ({@link VmtopoScopeProvider}). Saves about 15 ms per keystroke in a 10k-line file. A container's
 * symbols are Langium's — its named direct children, in document order —, listed on the first
 * request (per type for the scope provider), described when asked for, and kept with the document,
 * whose local symbols are dropped when it changes.
 */
export class VmtopoScopeComputation extends DefaultScopeComputation {
    private readonly reflection: AstReflection;

    constructor(services: LangiumCoreServices) {
        super(services);
        this.reflection = services.shared.AstReflection;
    }

    override collectLocalSymbols(document: LangiumDocument): Promise<LocalSymbols> {
        return Promise.resolve(new LazyLocalSymbols(
            (container, type) => {
                const named: Named[] = [];
                for (const node of childNodes(container)) {
                    if (type !== undefined && !this.reflection.isSubtype(node.$type, type)) continue;
                    const name = this.nameProvider.getName(node);
                    if (name) named.push({ node, name });
                }
                return named;
            },
            (node, name) => this.descriptions.createDescription(node, name, document)));
    }
}

/** {@link LocalSymbols} of one document: each container's listed on its first request, each symbol described when needed. */
export class LazyLocalSymbols implements LocalSymbols {
    /** Type (or '' for any) → container → its named children of the type. */
    private readonly listed = new Map<string, Map<AstNode, readonly Named[]>>();
    private readonly descriptions = new Map<AstNode, AstNodeDescription>();

    constructor(private readonly list: (container: AstNode, type: string | undefined) => Named[],
        private readonly make: (node: AstNode, name: string) => AstNodeDescription) {}

    has(node: AstNode): boolean {
        return this.namedOfType(node, undefined).length > 0;
    }

    getStream(node: AstNode): Stream<AstNodeDescription> {
        return stream(this.namedOfType(node, undefined)).map(n => this.describe(n.node, n.name));
    }

    /** The named children of `container` whose type is `type` or a subtype (all of them for undefined). */
    namedOfType(container: AstNode, type: string | undefined): readonly Named[] {
        let byContainer = this.listed.get(type ?? '');
        if (!byContainer) this.listed.set(type ?? '', byContainer = new Map<AstNode, readonly Named[]>());
        let named = byContainer.get(container);
        if (!named) {
            const found = this.list(container, type);
            byContainer.set(container, named = found.length > 0 ? found : NONE);
        }
        return named;
    }

    /** The description of a named child (made once). */
    describe(node: AstNode, name: string): AstNodeDescription {
        let description = this.descriptions.get(node);
        if (!description) this.descriptions.set(node, description = this.make(node, name));
        return description;
    }
}

const NONE: readonly Named[] = [];
