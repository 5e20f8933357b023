/**
 * vmtopo's libvirt domain merged into the user's own domain (`vmtopo export libvirt --into
 * my-domain.xml`): the user keeps their domain — name, UUID, disks, interfaces and MACs, graphics,
 * serial, OS and firmware, metadata, comments — and vmtopo sets what it owns:
 *
 * - replaced whole: `<memory>`, `<currentMemory>`, `<vcpu>`, `<vcpus>`, `<numatune>`;
 * - replaced inside the user's element (their other children and attributes stay):
 *   `<memoryBacking>` (`<hugepages>`, `<nosharepages>`), `<cputune>` (`<vcpupin>`, `<emulatorpin>`),
 *   `<cpu>` (attributes `mode`, `check`, `migratable`; `<topology>`, `<cache>`, `<maxphysaddr>`,
 *   `<numa>`, `<model>`, `<vendor>`), `<features>` (the features vmtopo sets: `<acpi>`, `<apic>`,
 *   `<smm>`, `<ioapic>`), the `pcie-root` controller (`<pcihole64>`);
 * - in `<devices>`: its PCI controllers (the pcie-expander-bus per host NUMA node and the ports and
 *   switches below it) and its hostdevs, both marked with a user alias starting `ua-vmtopo-`, and
 *   `<iommu>` when vmtopo sets one (more than 255 vCPUs);
 * - its comments, which start with `vmtopo:` (one says so when the user's `<os>` boots BIOS and the VM
 *   asks for UEFI: `<os>` stays the user's).
 *
 * A hostdev of the user for a host device vmtopo assigns (same PCI address or mdev UUID) becomes
 * vmtopo's when its settings are vmtopo's; with other settings (a ROM file, a boot order,
 * `managed='no'`…) the merge refuses rather than drop them or assign the device twice. The user's
 * other hostdevs stay.
 *
 * The merge edits the user's text in place: every byte outside what vmtopo owns stays as it was
 * (quotes, indentation, attribute order, entity references, comments), and merging the result again
 * gives the same bytes (everything vmtopo owns is found again by name, alias or comment marker, and
 * removed before it is written anew).
 *
 * Library: fast-xml-parser, because it reports where each element starts and ends in the text
 * (`captureMetaData`) and where a text is not well-formed (XMLValidator: line and column). Editing
 * the text at those positions keeps the user's bytes; a round trip through a document model
 * (xmlbuilder2, or fast-xml-parser's own builder) would re-quote every attribute (virsh writes
 * single quotes) and re-indent. Sources: [LIBVIRT-DOM] (https://libvirt.org/formatdomain.html),
 * https://libvirt.org/pci-addresses.html, libvirt's `domaincommon.rng`.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ExportError } from '../../model/export-error.js';

/**
 * The user's domain cannot take vmtopo's: not XML, not a `<domain>`, or a conflict. `line` and
 * `column` (1-based) point into the user's text.
 */
export class LibvirtMergeError extends ExportError {
    constructor(message: string, readonly line: number, readonly column: number) {
        super(message);
    }
}

/** The prefix of every user alias vmtopo gives a device it adds (libvirt keeps `ua-` aliases). */
export const VMTOPO_ALIAS_PREFIX = 'ua-vmtopo-';
/** The text every comment vmtopo adds starts with. */
const COMMENT_MARK = ' vmtopo: ';

/** Children of `<domain>` vmtopo replaces whole. */
const REPLACED = ['memory', 'currentMemory', 'vcpu', 'vcpus', 'numatune'];
/** Children of `<domain>` whose own children (and some attributes) vmtopo sets; the rest stays the user's. */
const PARTIAL: Record<string, { attrs: readonly string[]; children: readonly string[] | 'vmtopo' }> = {
    memoryBacking: { attrs: [], children: ['hugepages', 'nosharepages'] },
    cputune: { attrs: [], children: ['vcpupin', 'emulatorpin'] },
    cpu: { attrs: ['mode', 'check', 'migratable'], children: ['topology', 'cache', 'maxphysaddr', 'numa', 'model', 'vendor'] },
    // the features vmtopo's domain sets, and those an earlier merge added (after a `vmtopo:` comment)
    features: { attrs: [], children: 'vmtopo' }
};
/** Order of `<domain>`'s children as `virsh dumpxml` writes them: where a new element goes. */
const DOMAIN_ORDER = ['name', 'uuid', 'genid', 'title', 'description', 'metadata', 'maxMemory', 'memory', 'currentMemory',
    'blkiotune', 'memtune', 'memoryBacking', 'vcpu', 'vcpus', 'iothreads', 'iothreadids', 'defaultiothread', 'cputune',
    'numatune', 'resource', 'sysinfo', 'bootloader', 'bootloader_args', 'os', 'idmap', 'features', 'cpu', 'clock',
    'on_poweroff', 'on_reboot', 'on_crash', 'on_lockfailure', 'pm', 'perf', 'devices'];
/** Order of `<devices>`' children as `virsh dumpxml` writes them. */
const DEVICE_ORDER = ['emulator', 'disk', 'controller', 'lease', 'filesystem', 'interface', 'smartcard', 'serial', 'parallel',
    'console', 'channel', 'input', 'tpm', 'graphics', 'sound', 'audio', 'video', 'hostdev', 'redirdev', 'redirfilter', 'hub',
    'watchdog', 'memballoon', 'rng', 'panic', 'shmem', 'memory', 'iommu', 'vsock', 'crypto', 'pstore'];
/** pcie.0 slots vmtopo never takes: 00 host bridge, 01 primary video (libvirt's choice on q35), 1f ICH9 LPC/SATA/SMBus. */
const RESERVED_ROOT_SLOTS = [0x00, 0x01, 0x1f];

interface XmlElement {
    readonly kind: 'element';
    readonly name: string;
    /** Attributes in written order; values as written (entities not expanded). */
    readonly attrs: readonly (readonly [string, string])[];
    readonly children: readonly XmlElement[];
    /** [start, end) of the element in its text; `tagEnd`: after the start tag's `>`; `closeStart`: `</name>` (= end when self-closing). */
    readonly start: number;
    readonly end: number;
    readonly tagEnd: number;
    readonly closeStart: number;
    readonly selfClosing: boolean;
}

interface XmlComment {
    readonly kind: 'comment';
    /** Text between `<!--` and `-->`. */
    readonly text: string;
    readonly start: number;
    readonly end: number;
}

/** A parsed text: its root-level elements, with positions. */
interface XmlText {
    readonly text: string;
    readonly roots: readonly XmlElement[];
}

/**
 * `userXml` (the user's domain, e.g. from `virsh dumpxml`) with vmtopo's domain `vmtopoXml` (the
 * libvirt writer's output for one VM, `libvirt.ts`) merged in: pure; see the module comment for what
 * vmtopo owns. vmtopo moves its own devices, never the user's: its expander buses take free pcie.0
 * slots (a slot a user device holds is skipped, which changes no guest bus number: those come from
 * each expander's `busNr`), and its controllers take indexes after the user's.
 *
 * Throws {@link LibvirtMergeError}, located in `userXml`, when it is not well-formed XML, its root is
 * not `<domain>`, the domain is not a KVM q35 x86_64 one, a hostdev or `<interface type='hostdev'>`
 * of the user assigns a host device vmtopo assigns with other settings, a user device sits on a
 * controller of an earlier merge, the user's PCI buses reach vmtopo's expander bus numbers, a device
 * of the user other than a PCI controller, hostdev or IOMMU has an alias starting `ua-vmtopo-` (that
 * prefix marks what vmtopo replaces), or no pcie.0 slot is free for an expander.
 */
export function mergeLibvirtDomain(userXml: string, vmtopoXml: string): string {
    const user = parseXml(userXml);
    const fail = (at: number, message: string): never => {
        const { line, column } = lineColumn(userXml, at);
        throw new LibvirtMergeError(message, line, column);
    };
    if (user.roots.length === 0) fail(0, 'the file has no element; expected a libvirt domain (<domain type=\'kvm\'>…)');
    if (user.roots.length > 1) fail(user.roots[1].start, 'the file has more than one root element; a libvirt domain has one, <domain>');
    const domain = user.roots[0];
    if (domain.name !== 'domain') fail(domain.start, `the root element is <${domain.name}>, not <domain>: this is not a libvirt domain`);
    checkPlatform(domain, fail);

    const ours = parseXml(vmtopoXml);
    const vDomain = ours.roots[0];
    const style = styleOf(userXml, domain);
    const edits = new Edits(userXml, style.newline);

    // Every comment of an earlier merge goes; the new ones come with vmtopo's elements.
    for (const c of markerComments(userXml, domain)) edits.remove(c);
    for (const c of commentsBetween(userXml, 0, domain.start)) if (c.text.startsWith(COMMENT_MARK)) edits.remove(c);
    const topComment = commentsBetween(vmtopoXml, 0, vDomain.start)[0];
    if (topComment) {
        const what = topComment.text.trim().replace(/^Generated by vmtopo: /, '');
        edits.insertLines(lineStartOrSelf(userXml, domain.start), [markComment(`merged into this domain: ${what}`)], '');
    }

    const domainIndent = indentOf(userXml, domain.start) + style.unit;
    const placeNew = (parent: XmlElement, order: readonly string[], name: string, lines: string[], indent: string) => {
        const rank = order.indexOf(name);
        const after = parent.children.find(c => order.indexOf(c.name) > rank);
        edits.insertLines(after ? lineStartOrSelf(userXml, after.start) : closeLineStart(userXml, parent), lines, indent);
    };

    // In virsh's order, so that elements new to the domain come in that order.
    const owned = [...REPLACED, ...Object.keys(PARTIAL)].sort((x, y) => DOMAIN_ORDER.indexOf(x) - DOMAIN_ORDER.indexOf(y));
    for (const name of owned) {
        const v = vDomain.children.find(c => c.name === name);
        const spec = PARTIAL[name];
        if (spec) {
            const u = domain.children.find(c => c.name === name);
            const ownedChildren = spec.children === 'vmtopo' ? (v?.children.map(c => c.name) ?? []) : spec.children;
            if (u && spec.children === 'vmtopo') {
                // A feature an earlier merge added (after its comment) goes when the VM no longer sets it.
                const nodes = childNodes(userXml, u);
                const added = u.children.filter(c => {
                    const prev = nodes[nodes.indexOf(c) - 1];
                    return prev?.kind === 'comment' && prev.text.startsWith(COMMENT_MARK);
                });
                mergePartial(u, v, spec.attrs, ownedChildren, added);
            } else if (u) mergePartial(u, v, spec.attrs, ownedChildren);
            else if (v) placeNew(domain, DOMAIN_ORDER, name, serialize(vmtopoXml, v, style), domainIndent);
            continue;
        }
        const mine = domain.children.filter(c => c.name === name);
        for (const el of mine) edits.remove(el);
        if (!v) continue;
        const lines = serialize(vmtopoXml, v, style, commentBefore(vmtopoXml, vDomain, v));
        if (mine.length > 0) edits.insertLines(lineStartOrSelf(userXml, mine[0].start), lines, domainIndent);
        else placeNew(domain, DOMAIN_ORDER, name, lines, domainIndent);
    }

    noteFirmware();
    mergeDevices();
    return edits.apply();

    /**
     * `<os>` is the user's; when vmtopo's VM wants UEFI and the user's domain boots BIOS, a comment
     * before their `<os>` says so (SeaBIOS maps no 64-bit BARs: large-BAR GPUs need OVMF, [OVMF-MMIO64]).
     */
    function noteFirmware(): void {
        const vOs = vDomain.children.find(c => c.name === 'os');
        const uOs = domain.children.find(c => c.name === 'os');
        const efi = (os: XmlElement) => os.attrs.some(([k, val]) => k === 'firmware' && val === 'efi') || os.children.some(c => c.name === 'loader');
        if (vOs && uOs && efi(vOs) && !efi(uOs)) {
            edits.insertLines(lineStartOrSelf(userXml, uOs.start), [`<!--${COMMENT_MARK}the .vmtopo file asks for UEFI firmware (OVMF), which maps the GPUs' large 64-bit BARs; `
                + `this <os> boots SeaBIOS: add firmware=${q('efi', style.quote)} (vmtopo leaves <os> to you) -->`], domainIndent);
        }
    }

    /**
     * Sets vmtopo's attributes and children of the user's element `u` (vmtopo's is `v`). `added`:
     * children of an earlier merge, removed too; when given, a child new to `u` gets a comment that
     * marks it as vmtopo's.
     */
    function mergePartial(u: XmlElement, v: XmlElement | undefined, ownedAttrs: readonly string[], ownedChildren: readonly string[],
        added?: readonly XmlElement[]): void {
        const indent = indentOf(userXml, u.start);
        const childIndent = indent + style.unit;
        const attrs: (readonly [string, string])[] = u.attrs.filter(([k]) => !ownedAttrs.includes(k) || v?.attrs.some(([n]) => n === k))
            .map(([k, val]) => [k, ownedAttrs.includes(k) ? v!.attrs.find(([n]) => n === k)![1] : val] as const);
        for (const [k, val] of v?.attrs ?? []) if (ownedAttrs.includes(k) && !u.attrs.some(([n]) => n === k)) attrs.push([k, val]);
        const attrsChanged = JSON.stringify(attrs) !== JSON.stringify(u.attrs);
        const vChildren = v ? v.children.filter(c => ownedChildren.includes(c.name)) : [];
        const groups = new Map<string, string[]>();
        for (const c of vChildren) {
            const note = commentBefore(vmtopoXml, v!, c);
            const mark = added && !note && !u.children.some(k => k.name === c.name && !added.includes(k)) ? [`<!--${COMMENT_MARK}set by vmtopo -->`] : [];
            const lines = [...mark, ...serialize(vmtopoXml, c, style, note)];
            groups.set(c.name, [...(groups.get(c.name) ?? []), ...lines]);
        }
        // Nothing of the user's inside (only vmtopo's children and comments, or nothing): written whole,
        // or, left empty, self-closing (removed when it has no attributes either, as an empty
        // <cputune/> means nothing), as a merge into the user's own domain would write it.
        const goes = (c: XmlElement) => ownedChildren.includes(c.name) || (added?.includes(c) ?? false);
        const nodes = childNodes(userXml, u);
        const theirs = nodes.filter(n => (n.kind === 'element' ? !goes(n) : !n.text.startsWith(COMMENT_MARK)));
        const inner = [...groups.values()].flat();
        if (theirs.length === 0 && textBetween(userXml, u, nodes).trim() === '') {
            if (inner.length > 0) {
                const body = inner.map(l => `${childIndent}${l}${style.newline}`).join('');
                edits.replace(u.start, u.end, `${startTag(u.name, attrs, style.quote, false)}${style.newline}${body}${indent}</${u.name}>`);
            } else if (attrs.length === 0) {
                edits.remove(u);
            } else if (attrsChanged || !u.selfClosing) {
                edits.replace(u.start, u.end, startTag(u.name, attrs, style.quote, true));
            }
            return;
        }
        if (attrsChanged) edits.replace(u.start, u.tagEnd, startTag(u.name, attrs, style.quote, false));
        for (const c of u.children) if (ownedChildren.includes(c.name) || added?.includes(c)) edits.remove(c);
        // Each group where the user's element has one of its name, else before the next group that
        // has one (vmtopo's order), else last: a merge into a merged domain puts them where they were.
        const names = [...groups.keys()];
        names.forEach((name, i) => {
            const anchor = names.slice(i).map(n => u.children.find(c => c.name === n && !added?.includes(c))).find(c => c !== undefined);
            edits.insertLines(anchor ? lineStartOrSelf(userXml, anchor.start) : closeLineStart(userXml, u), groups.get(name)!, childIndent);
        });
    }

    function mergeDevices(): void {
        const vDevices = vDomain.children.find(c => c.name === 'devices');
        if (!vDevices) return;
        const devices = domain.children.find(c => c.name === 'devices');
        if (!devices) fail(domain.closeStart, 'the domain has no <devices>; add the devices of your VM (at least its disk) first');
        const d = devices!;
        const indent = indentOf(userXml, d.start) + style.unit;
        const attr = (el: XmlElement, name: string) => el.attrs.find(([k]) => k === name)?.[1];
        const aliasOf = (el: XmlElement) => attr(el.children.find(c => c.name === 'alias') ?? el, 'name');
        const isOurs = (el: XmlElement) => aliasOf(el)?.startsWith(VMTOPO_ALIAS_PREFIX) ?? false;
        /** The alias a hostdev of vmtopo's writer (`ua-gpu0`) has in the merged domain (`ua-vmtopo-gpu0`). */
        const mergedAlias = (h: XmlElement) => aliasOf(h)?.replace(/^ua-/, VMTOPO_ALIAS_PREFIX) ?? `${VMTOPO_ALIAS_PREFIX}hostdev`;

        // vmtopo's devices: its PCI controllers (index 0 is pcie-root), hostdevs and iommu.
        const vControllers = vDevices.children.filter(c => c.name === 'controller' && attr(c, 'type') === 'pci');
        const vRoot = vControllers.find(c => attr(c, 'model') === 'pcie-root');
        const vTree = vControllers.filter(c => c !== vRoot);
        const vHostdevs = vDevices.children.filter(c => c.name === 'hostdev');
        const vIommu = vDevices.children.find(c => c.name === 'iommu');

        // An earlier merge's elements go.
        const earlier = d.children.filter(isOurs);
        const foreign = earlier.find(el => !['controller', 'hostdev', 'iommu'].includes(el.name));
        if (foreign) {
            fail(foreign.children.find(c => c.name === 'alias')?.start ?? foreign.start, `your <${foreign.name}> has the alias '${aliasOf(foreign)}'; `
                + `aliases starting '${VMTOPO_ALIAS_PREFIX}' mark vmtopo's devices, which a merge replaces: rename it`);
        }
        for (const el of earlier) edits.remove(el);
        const earlierIndexes = new Set(earlier.filter(c => c.name === 'controller').map(c => Number(attr(c, 'index'))));
        const kept = d.children.filter(c => !isOurs(c));

        // The user's hostdevs of the devices vmtopo assigns: the same settings make them vmtopo's, others refuse.
        const vSources = new Map(vHostdevs.map(h => [hostdevSource(h), h]));
        for (const el of kept) {
            if (el.name !== 'hostdev' && !(el.name === 'interface' && attr(el, 'type') === 'hostdev')) continue;
            const source = hostdevSource(el);
            const v = source === undefined ? undefined : vSources.get(source);
            if (!v) continue;
            if (el.name === 'interface') {
                fail(el.start, `your <interface type='hostdev'> passes host device ${source}, which vmtopo assigns as a <hostdev> (${mergedAlias(v)}); remove one of them`);
            }
            const differs = settingsDiffer(el, v);
            if (differs) {
                fail(el.start, `your <hostdev> of host device ${source} ${differs}, and vmtopo assigns the same device with its own settings; `
                    + 'remove your <hostdev> (vmtopo writes it) or remove the device from the VM in the .vmtopo file');
            }
            edits.remove(el);
        }
        const keptOthers = kept.filter(el => !(el.name === 'hostdev' && vSources.has(hostdevSource(el) ?? '')));

        // A device of the user on a controller that was vmtopo's.
        for (const el of walk(keptOthers)) {
            if (el.name !== 'address' || attr(el, 'type') !== 'pci') continue;
            const bus = Number(attr(el, 'bus'));
            if (earlierIndexes.has(bus) && !keptOthers.some(c => c.name === 'controller' && attr(c, 'type') === 'pci' && Number(attr(c, 'index')) === bus)) {
                fail(el.start, `this device sits on bus ${attr(el, 'bus')}, a PCI controller an earlier vmtopo merge added and this merge replaces; move the device to one of your own controllers`);
            }
        }

        // Controller indexes after the user's (those without `index` get the lowest free ones from libvirt).
        const userPci = keptOthers.filter(c => c.name === 'controller' && attr(c, 'type') === 'pci');
        const explicit = userPci.map(c => attr(c, 'index')).filter((i): i is string => i !== undefined).map(Number);
        // libvirt adds pcie-root (index 0) when the domain has none; vmtopo then writes its own.
        const hasRoot = userPci.some(c => attr(c, 'model') === 'pcie-root');
        const base = Math.max(Math.max(0, ...explicit) + 1, userPci.length + (hasRoot ? 0 : 1));
        const newIndex = (old: number) => (old === 0 ? 0 : base + old - 1);

        // Guest bus numbers: the user's PCI bridges below pcie.0 number their buses from 1 on, vmtopo's expanders from their busNr.
        const busNrs = vTree.filter(c => attr(c, 'model') === 'pcie-expander-bus')
            .map(c => Number(attr(c.children.find(t => t.name === 'target') ?? c, 'busNr')));
        const firstBus = Math.min(...busNrs);
        const lastBus = Math.max(...busNrs) + vTree.length;
        for (const c of userPci) {
            const model = attr(c, 'model');
            if (model !== 'pcie-expander-bus' && model !== 'pci-expander-bus') continue;
            const busNr = Number(attr(c.children.find(t => t.name === 'target') ?? c, 'busNr'));
            if (busNrs.length > 0 && busNr >= firstBus && busNr <= lastBus) {
                fail(c.start, `your ${model} has busNr ${busNr}, inside the guest buses vmtopo's expander buses use (${firstBus}-${lastBus}); `
                    + 'vmtopo cannot move its buses (the NCCL topology names them); give yours a busNr above or below');
            }
        }
        const bridges = userPci.filter(c => !['pcie-root', 'pcie-expander-bus', 'pci-expander-bus', 'pci-root'].includes(attr(c, 'model') ?? '')).length;
        if (busNrs.length > 0 && bridges >= firstBus) {
            fail(userPci[userPci.length - 1].start, `your ${bridges} PCI controllers below pcie.0 need guest buses 1-${bridges}, which reach vmtopo's first expander bus ${firstBus}; remove unused pcie-root-ports`);
        }

        // pcie.0 slots: vmtopo's expanders keep their slot when it is free, else take the next free one.
        const taken = new Map<number, XmlElement>();
        for (const device of keptOthers) {
            for (const el of walk([device])) {
                if (el.name === 'address' && attr(el, 'type') === 'pci' && Number(attr(el, 'bus') ?? 0) === 0 && Number(attr(el, 'domain') ?? 0) === 0 && attr(el, 'slot') !== undefined) {
                    taken.set(Number(attr(el, 'slot')), device);
                }
            }
        }
        const slotOf = new Map<XmlElement, { slot: number; movedFrom?: number; holder?: XmlElement }>();
        const used = new Set<number>([...taken.keys(), ...RESERVED_ROOT_SLOTS]);
        for (const c of vTree) {
            const address = c.children.find(a => a.name === 'address');
            if (!address || Number(attr(address, 'bus')) !== 0) continue;
            const want = Number(attr(address, 'slot'));
            if (!used.has(want)) {
                used.add(want);
                slotOf.set(c, { slot: want });
                continue;
            }
            let free = want;
            while (used.has(free) && free < 0x20) free++;
            if (free >= 0x20) for (free = 0x02; used.has(free) && free < 0x20; free++);
            if (free >= 0x20) fail(d.start, 'no pcie.0 slot is free for vmtopo\'s expander bus: your devices take every slot; move some behind pcie-root-ports');
            used.add(free);
            slotOf.set(c, { slot: free, movedFrom: want, holder: taken.get(want) });
        }

        // Ports' chassis numbers: vmtopo's are its controller indexes; one the user's ports use takes the next free number.
        const userChassis = new Set(userPci.map(c => attr(c.children.find(t => t.name === 'target') ?? c, 'chassis')).filter(x => x !== undefined).map(Number));
        const chassisOf = new Map<number, number>();
        for (const c of vTree) {
            const old = attr(c.children.find(t => t.name === 'target') ?? c, 'chassis');
            if (old === undefined) continue;
            let chassis = newIndex(Number(old));
            while (userChassis.has(chassis) || [...chassisOf.values()].includes(chassis)) chassis++;
            chassisOf.set(Number(old), chassis);
        }

        /** vmtopo's controller or device `el` with its new index, buses, slot, chassis and alias. */
        const rename = (el: XmlElement, alias: string): Rewrite => {
            return {
                attrs: (e, path) => e.attrs.map(([k, val]) => {
                    if (e === el && k === 'index') return [k, String(newIndex(Number(val)))];
                    if (e.name === 'address' && path.length === 1 && k === 'bus') return [k, hex2(newIndex(Number(val)))];
                    if (e.name === 'address' && path.length === 1 && k === 'slot' && slotOf.has(el)) return [k, hex2(slotOf.get(el)!.slot)];
                    if (e.name === 'target' && k === 'chassis') return [k, String(chassisOf.get(Number(val)) ?? newIndex(Number(val)))];
                    if (e.name === 'alias' && k === 'name') return [k, alias];
                    return [k, val];
                }),
                alias
            };
        };

        // pcie-root: vmtopo's 64-bit hole.
        const uRoot = userPci.find(c => attr(c, 'model') === 'pcie-root');
        if (vRoot && uRoot) mergePartial(uRoot, vRoot, [], ['pcihole64']);

        const controllerLines: string[] = [];
        if (vRoot && !uRoot) controllerLines.push(...serialize(vmtopoXml, vRoot, style));
        for (const c of vTree) {
            const place = slotOf.get(c);
            if (place?.movedFrom !== undefined) {
                const type = place.holder && attr(place.holder, 'type');
                const holder = place.holder ? `your <${place.holder.name}${type ? ` type=${q(type, style.quote)}` : ''}>` : 'a device of yours';
                controllerLines.push(`<!--${COMMENT_MARK}expander bus moved from pcie.0 slot ${hex2(place.movedFrom)} to ${hex2(place.slot)}: `
                    + `${holder} holds slot ${hex2(place.movedFrom)}; guest bus numbers do not change -->`);
            }
            controllerLines.push(...serialize(vmtopoXml, c, style, commentBefore(vmtopoXml, vDevices, c), rename(c, `${VMTOPO_ALIAS_PREFIX}pci${attr(c, 'index')}`)));
        }
        if (controllerLines.length > 0) placeNew(d, DEVICE_ORDER, 'controller', controllerLines, indent);

        const hostdevLines = vHostdevs.flatMap(h => {
            return serialize(vmtopoXml, h, style, commentBefore(vmtopoXml, vDevices, h), rename(h, mergedAlias(h)));
        });
        if (hostdevLines.length > 0) placeNew(d, DEVICE_ORDER, 'hostdev', hostdevLines, indent);

        if (vIommu) {
            for (const el of keptOthers) if (el.name === 'iommu') edits.remove(el);
            placeNew(d, DEVICE_ORDER, 'iommu', serialize(vmtopoXml, vIommu, style, undefined, rename(vIommu, `${VMTOPO_ALIAS_PREFIX}iommu`)), indent);
        }
    }
}

/** Refuses a domain vmtopo's PCIe tree cannot go into: not KVM, not x86_64, not q35. */
function checkPlatform(domain: XmlElement, fail: (at: number, message: string) => never): void {
    const type = domain.attrs.find(([k]) => k === 'type')?.[1];
    if (type !== 'kvm') {
        fail(domain.start, `the domain has type='${type ?? ''}'; vmtopo assigns host devices with VFIO, which needs <domain type='kvm'>`);
    }
    const os = domain.children.find(c => c.name === 'os');
    const osType = os?.children.find(c => c.name === 'type');
    if (!osType) fail(os?.start ?? domain.start, 'the domain has no <os><type machine=…>; vmtopo\'s PCI Express tree needs machine=\'q35\'');
    const machine = osType.attrs.find(([k]) => k === 'machine')?.[1];
    const arch = osType.attrs.find(([k]) => k === 'arch')?.[1];
    if (arch !== undefined && arch !== 'x86_64') fail(osType.start, `the domain's arch is '${arch}'; vmtopo's domains are x86_64`);
    if (machine === undefined || !/q35/.test(machine)) {
        fail(osType.start, `the machine is '${machine ?? '(none: libvirt picks the i440fx machine pc)'}', which has no PCI Express root complex for vmtopo's expander buses; `
            + 'use machine=\'q35\' (converting a guest from i440fx to q35 changes its devices\' addresses: see https://libvirt.org/pci-addresses.html)');
    }
}

/** `0000:19:00.0` for a PCI hostdev (or hostdev interface), `mdev:<uuid>` for a mediated device, undefined otherwise. */
function hostdevSource(el: XmlElement): string | undefined {
    const address = el.children.find(c => c.name === 'source')?.children.find(c => c.name === 'address');
    if (!address) return undefined;
    const get = (k: string) => address.attrs.find(([n]) => n === k)?.[1];
    const uuid = get('uuid');
    if (uuid) return `mdev:${uuid.toLowerCase()}`;
    const num = (k: string) => Number(get(k) ?? 0);
    if (get('bus') === undefined) return undefined;
    const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
    return `${h(num('domain'), 4)}:${h(num('bus'), 2)}:${h(num('slot'), 2)}.${h(num('function'), 1)}`;
}

/**
 * How the user's hostdev `el` differs from vmtopo's `v` for the same host device, or undefined:
 * mode, type, `managed` (libvirt's default `no`), driver (default VFIO, the only backend of current
 * libvirt), model and display, and any element besides `<source>`, `<driver>`, `<alias>` and the guest
 * `<address>` (which vmtopo owns): a ROM file, a boot order, ACPI index…
 */
function settingsDiffer(el: XmlElement, v: XmlElement): string | undefined {
    const a = (e: XmlElement, k: string, dflt?: string) => e.attrs.find(([n]) => n === k)?.[1] ?? dflt;
    const driver = (e: XmlElement) => a(e.children.find(c => c.name === 'driver') ?? { ...e, attrs: [] }, 'name', 'vfio');
    for (const [k, dflt] of [['mode', undefined], ['type', undefined], ['managed', 'no'], ['model', undefined], ['display', undefined]] as const) {
        if (a(el, k, dflt) !== a(v, k, dflt)) return `has ${k}='${a(el, k, dflt) ?? ''}' where vmtopo sets ${k}='${a(v, k, dflt) ?? ''}'`;
    }
    if (driver(el) !== driver(v)) return `uses driver '${driver(el)}' where vmtopo uses '${driver(v)}'`;
    const extra = el.children.find(c => !['source', 'driver', 'alias', 'address'].includes(c.name));
    if (extra) return `has <${extra.name}>, which vmtopo's hostdev does not have`;
    return undefined;
}

/** How an element of vmtopo's text is changed on its way into the user's. */
interface Rewrite {
    /** The attributes of `e` (a descendant of the element at `path` from it; `path` = its ancestors below the element). */
    attrs(e: XmlElement, path: readonly XmlElement[]): (readonly [string, string])[];
    /** A user alias to add when the element has none. */
    alias?: string;
}

interface Style {
    /** The quote the user's attributes use. */
    readonly quote: string;
    /** One level of the user's indentation. */
    readonly unit: string;
    /** The user's line ending. */
    readonly newline: '\n' | '\r\n';
}

/** The user's quote, indentation unit (two spaces, as virsh, when the text does not tell) and line ending. */
function styleOf(text: string, domain: XmlElement): Style {
    const tag = text.slice(domain.start, domain.tagEnd);
    const quote = /=\s*(['"])/.exec(tag)?.[1] ?? '\'';
    const child = domain.children[0];
    const outer = indentOf(text, domain.start);
    const inner = child ? indentOf(text, child.start) : '';
    const unit = inner.startsWith(outer) && inner.length > outer.length ? inner.slice(outer.length) : '  ';
    return { quote, unit, newline: text.includes('\r\n') ? '\r\n' : '\n' };
}

/** The lines of element `el` of `text`, in the user's style, after its comment `note` (marked as vmtopo's). */
function serialize(text: string, el: XmlElement, style: Style, note?: XmlComment, rewrite?: Rewrite): string[] {
    const lines: string[] = note ? [markComment(note.text)] : [];
    const write = (e: XmlElement, path: XmlElement[]): string[] => {
        const attrs = rewrite ? rewrite.attrs(e, path) : e.attrs;
        // A user alias for the element itself, before its guest <address> (or last), as virsh writes it.
        const alias = path.length === 0 && rewrite?.alias && !e.children.some(c => c.name === 'alias')
            ? `<alias name=${q(rewrite.alias, style.quote)}/>` : undefined;
        const children: string[] = [];
        for (const n of childNodes(text, e)) {
            if (n.kind === 'comment') {
                children.push(markComment(n.text));
                continue;
            }
            if (alias && n.name === 'address') children.push(alias);
            children.push(...write(n, [...path, e]));
        }
        if (alias && !e.children.some(c => c.name === 'address')) children.push(alias);
        if (children.length === 0) {
            const body = e.selfClosing ? '' : text.slice(e.tagEnd, e.closeStart);
            return body === '' ? [startTag(e.name, attrs, style.quote, true)] : [`${startTag(e.name, attrs, style.quote, false)}${body}</${e.name}>`];
        }
        return [startTag(e.name, attrs, style.quote, false), ...children.map(l => style.unit + l), `</${e.name}>`];
    };
    return [...lines, ...write(el, [])];
}

function startTag(name: string, attrs: readonly (readonly [string, string])[], quote: string, selfClosing: boolean): string {
    return `<${name}${attrs.map(([k, v]) => ` ${k}=${q(v, quote)}`).join('')}${selfClosing ? '/>' : '>'}`;
}

/** An attribute value in the user's quote (the other quote when the value holds it). */
function q(value: string, quote: string): string {
    const use = value.includes(quote) ? (quote === '"' ? '\'' : '"') : quote;
    return `${use}${value}${use}`;
}

function markComment(text: string): string {
    return `<!--${COMMENT_MARK}${text.trim()} -->`;
}

function hex2(n: number): string {
    return `0x${n.toString(16).padStart(2, '0')}`;
}

/** Every element below `els` (and themselves), depth first. */
function* walk(els: readonly XmlElement[]): Generator<XmlElement> {
    for (const el of els) {
        yield el;
        yield* walk(el.children);
    }
}

/** Comments of an earlier merge inside `domain` (all levels but `<metadata>`). */
function markerComments(text: string, domain: XmlElement): XmlComment[] {
    const found: XmlComment[] = [];
    const visit = (el: XmlElement) => {
        if (el.name === 'metadata') return;
        for (const n of childNodes(text, el)) {
            if (n.kind === 'comment') {
                if (n.text.startsWith(COMMENT_MARK)) found.push(n);
            } else {
                visit(n);
            }
        }
    };
    visit(domain);
    return found;
}

/** The text of `el`'s content outside its child elements and comments. */
function textBetween(text: string, el: XmlElement, nodes: readonly (XmlElement | XmlComment)[]): string {
    if (el.selfClosing) return '';
    let from = el.tagEnd;
    let result = '';
    for (const n of nodes) {
        result += text.slice(from, n.start);
        from = n.end;
    }
    return result + text.slice(from, el.closeStart);
}

/** The comment right before `child` in `parent` (only blanks between), if any. */
function commentBefore(text: string, parent: XmlElement, child: XmlElement): XmlComment | undefined {
    const nodes = childNodes(text, parent);
    const k = nodes.indexOf(child);
    const prev = nodes[k - 1];
    return prev?.kind === 'comment' ? prev : undefined;
}

/** The children of `el` with the comments between them, in order. */
function childNodes(text: string, el: XmlElement): (XmlElement | XmlComment)[] {
    if (el.selfClosing) return [];
    const result: (XmlElement | XmlComment)[] = [];
    let from = el.tagEnd;
    for (const c of el.children) {
        result.push(...commentsBetween(text, from, c.start), c);
        from = c.end;
    }
    result.push(...commentsBetween(text, from, el.closeStart));
    return result;
}

/** Comments in `text[from, to)`, a stretch with no elements. */
function commentsBetween(text: string, from: number, to: number): XmlComment[] {
    const found: XmlComment[] = [];
    const re = /<!--([\s\S]*?)-->/g;
    re.lastIndex = from;
    for (let m = re.exec(text); m && m.index < to; m = re.exec(text)) {
        found.push({ kind: 'comment', text: m[1], start: m.index, end: m.index + m[0].length });
    }
    return found;
}

/**
 * Parses `text` with fast-xml-parser (positions of every element); throws {@link LibvirtMergeError}
 * at the place XMLValidator reports when the text is not well-formed.
 */
function parseXml(text: string): XmlText {
    if (text.trim() === '') throw new LibvirtMergeError('the file is empty; expected a libvirt domain (<domain type=\'kvm\'>…)', 1, 1);
    const valid = XMLValidator.validate(text);
    if (valid !== true) {
        throw new LibvirtMergeError(`not well-formed XML: ${valid.err.msg}`, valid.err.line, valid.err.col);
    }
    const parser = new XMLParser({
        preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', captureMetaData: true,
        parseAttributeValue: false, parseTagValue: false, processEntities: false, ignoreDeclaration: true, ignorePiTags: true,
        commentPropName: '#comment'
    });
    const meta = XMLParser.getMetaDataSymbol() as unknown as string;
    type Raw = Record<string, unknown>;
    const convert = (raw: Raw): XmlElement | undefined => {
        const name = Object.keys(raw).find(k => k !== ':@' && k !== '#text' && k !== '#comment');
        const m = raw[meta] as { startIndex?: number; endIndex?: number } | undefined;
        if (!name || m?.startIndex === undefined || m.endIndex === undefined) return undefined;
        const start = m.startIndex;
        const end = m.endIndex;
        const tagEnd = startTagEnd(text, start);
        const selfClosing = text[tagEnd - 2] === '/';
        const attrs = Object.entries((raw[':@'] ?? {}) as Record<string, string>).map(([k, v]) => [k, String(v)] as const);
        const children = ((raw[name] ?? []) as Raw[]).map(convert).filter((c): c is XmlElement => c !== undefined);
        const closeStart = selfClosing ? end : text.lastIndexOf('</', end - 1);
        return { kind: 'element', name, attrs, children, start, end, tagEnd, closeStart, selfClosing };
    };
    const roots = (parser.parse(text) as Raw[]).map(convert).filter((c): c is XmlElement => c !== undefined);
    return { text, roots };
}

/** The index after the `>` of the start tag at `start` (quotes skipped: `>` may stand in an attribute value). */
function startTagEnd(text: string, start: number): number {
    let quote: string | undefined;
    for (let i = start + 1; i < text.length; i++) {
        const ch = text[i];
        if (quote) {
            if (ch === quote) quote = undefined;
        } else if (ch === '"' || ch === '\'') {
            quote = ch;
        } else if (ch === '>') {
            return i + 1;
        }
    }
    return text.length;
}

/** 1-based line and column of `index` (columns count UTF-16 units, as editors do). */
function lineColumn(text: string, index: number): { line: number; column: number } {
    const before = text.slice(0, index);
    const line = before.split('\n').length;
    return { line, column: index - (before.lastIndexOf('\n') + 1) + 1 };
}

/** The blanks before `index` on its line. */
function indentOf(text: string, index: number): string {
    const lineStart = text.lastIndexOf('\n', index - 1) + 1;
    const before = text.slice(lineStart, index);
    return /^[ \t]*$/.test(before) ? before : '';
}

/** The start of `index`'s line when only blanks precede it there, else `index`. */
function lineStartOrSelf(text: string, index: number): number {
    const lineStart = text.lastIndexOf('\n', index - 1) + 1;
    return /^[ \t]*$/.test(text.slice(lineStart, index)) ? lineStart : index;
}

/** Where a new last child of `el` goes: the start of the line of its end tag. */
function closeLineStart(text: string, el: XmlElement): number {
    return lineStartOrSelf(text, el.closeStart);
}

/** Text edits on one text, applied together (later positions first). */
class Edits {
    private readonly list: { start: number; end: number; text: string; seq: number }[] = [];
    constructor(private readonly text: string, private readonly newline: string) {}

    /** Removes a node, with its line when it stands alone on it. */
    remove(node: { start: number; end: number }): void {
        const lineStart = this.text.lastIndexOf('\n', node.start - 1) + 1;
        const newline = this.text.indexOf('\n', node.end);
        const lineEnd = newline < 0 ? this.text.length : newline + 1;
        const alone = /^[ \t]*$/.test(this.text.slice(lineStart, node.start)) && /^[ \t]*\r?\n?$/.test(this.text.slice(node.end, lineEnd));
        this.add(alone ? lineStart : node.start, alone ? lineEnd : node.end, '');
    }

    replace(start: number, end: number, text: string): void {
        this.add(start, end, text);
    }

    /** Inserts lines at `at` (a line start: each line indented and ended; else inline). */
    insertLines(at: number, lines: readonly string[], indent: string): void {
        const atLineStart = at === 0 || this.text[at - 1] === '\n';
        this.add(at, at, atLineStart ? lines.map(l => `${indent}${l}${this.newline}`).join('') : lines.join(''));
    }

    private add(start: number, end: number, text: string): void {
        this.list.push({ start, end, text, seq: this.list.length });
    }

    /**
     * The text with every edit. A removal within another (a comment of an element that goes whole)
     * is dropped, and so is one made twice.
     */
    apply(): string {
        const removals = this.list.filter(e => e.end > e.start);
        const within = (e: { start: number; end: number; seq: number }) => removals.some(r => r !== e && r.start <= e.start && e.end <= r.end
            && (r.end - r.start > e.end - e.start || r.seq < e.seq) && e.end > e.start);
        const kept = this.list.filter(e => !within(e));
        // Later positions first; at one position the removal first, then the insertions, the first-made last (so it ends up first).
        kept.sort((a, b) => b.start - a.start || (b.end - b.start) - (a.end - a.start) || b.seq - a.seq);
        let out = this.text;
        for (const e of kept) out = out.slice(0, e.start) + e.text + out.slice(e.end);
        return out;
    }
}
