/**
 * Test helper, independent of vmtopo's address plan: reads a libvirt domain XML and predicts the
 * guest PCI address of every controller and hostdev the way the firmware numbers buses
 * (https://libvirt.org/pci-addresses.html; checked by booting QEMU 7.2 + OVMF): `<address bus=>` names a controller *index*; pcie.0 is bus 0 and each
 * pcie-expander-bus is bus `busNr`; below a root bus, buses are numbered depth-first in slot order,
 * one new bus per bridge (root port, switch upstream port, switch downstream port).
 */
import { XMLParser } from 'fast-xml-parser';

export interface GuestFunction {
    /** `controller` (with model) or `hostdev`. */
    readonly element: 'controller' | 'hostdev';
    readonly model?: string;
    readonly index?: number;
    /** hostdev alias (`ua-…`). */
    readonly alias?: string;
    /** hostdev host source as `dddd:bb:dd.f` (pci) or the mdev UUID. */
    readonly source?: string;
    /** Guest `dddd:bb:dd.f`. */
    readonly bdf: string;
    /** Guest NUMA node of the root bus it hangs under (the expander's `<node>`; undefined on pcie.0). */
    readonly node?: number;
    /** Index of the controller it plugs into. */
    readonly parent: number;
}

interface Plugged { element: 'controller' | 'hostdev'; raw: Record<string, unknown>; bus: number; slot: number; fn: number }

const arr = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
const num = (v: unknown) => Number(v);
const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');

/** Every plugged controller and hostdev of the domain with its predicted guest address. */
export function predictGuestAddresses(domainXml: string): GuestFunction[] {
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });
    const domain = parser.parse(domainXml).domain as Record<string, any>;
    const devices = domain.devices as Record<string, any>;
    const plugged: Plugged[] = [];
    const controllers = new Map<number, Record<string, any>>();
    for (const c of arr<Record<string, any>>(devices.controller)) {
        if (c.type !== 'pci') continue;
        controllers.set(num(c.index), c);
        if (c.address) plugged.push({ element: 'controller', raw: c, bus: num(c.address.bus), slot: num(c.address.slot), fn: num(c.address.function) });
    }
    for (const h of arr<Record<string, any>>(devices.hostdev)) {
        plugged.push({ element: 'hostdev', raw: h, bus: num(h.address.bus), slot: num(h.address.slot), fn: num(h.address.function) });
    }
    const childrenOf = (index: number) => plugged.filter(p => p.bus === index).sort((a, b) => a.slot - b.slot || a.fn - b.fn);
    const result: GuestFunction[] = [];
    let next = 0;
    const visit = (index: number, bus: number, node: number | undefined) => {
        for (const p of childrenOf(index)) {
            const bdf = `0000:${hex(bus, 2)}:${hex(p.slot, 2)}.${p.fn}`;
            if (p.element === 'hostdev') {
                const h = p.raw as Record<string, any>;
                const s = h.source.address;
                const source = h.type === 'mdev' ? String(s.uuid)
                    : `${hex(num(s.domain), 4)}:${hex(num(s.bus), 2)}:${hex(num(s.slot), 2)}.${num(s.function)}`;
                result.push({ element: 'hostdev', alias: h.alias?.name, source, bdf, node, parent: index });
                continue;
            }
            const model = String(p.raw.model);
            const childIndex = num(p.raw.index);
            if (model === 'pcie-expander-bus') continue; // a root bus of its own, numbered from busNr below
            result.push({ element: 'controller', model, index: childIndex, bdf, node, parent: index });
            visit(childIndex, ++next, node);
        }
    };
    // pcie.0 first (buses 1…), then each expander from its busNr, in busNr order.
    visit(0, 0, undefined);
    const expanders = [...controllers.values()].filter(c => c.model === 'pcie-expander-bus')
        .sort((a, b) => num(a.target.busNr) - num(b.target.busNr));
    for (const x of expanders) {
        next = num(x.target.busNr);
        visit(num(x.index), next, num(x.target.node));
    }
    return result;
}

/** The controller chain above a function, innermost first. */
export function ancestors(all: readonly GuestFunction[], f: GuestFunction): GuestFunction[] {
    const chain: GuestFunction[] = [];
    for (let p = all.find(c => c.index === f.parent); p; p = all.find(c => c.index === p.parent)) chain.push(p);
    return chain;
}
