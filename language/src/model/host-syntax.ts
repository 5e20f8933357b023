/**
 * Walks over a host's syntax (the AST, before resolution): its switches and devices in written
 * order. Used by the scope provider (device names of a host) and the node checks (SYN005 duplicates).
 */
import type * as ast from '../generated/ast.js';

/** Every switch of a host, outermost first (depth-first). */
export function allSwitches(host: ast.Host): ast.PcieSwitch[] {
    const out: ast.PcieSwitch[] = [];
    const visit = (s: ast.PcieSwitch) => { out.push(s); (s.switches ?? []).forEach(visit); };
    (host.switches ?? []).forEach(visit);
    return out;
}

/** Every device of a host: those straight on the host, then those in switches. */
export function allDevices(host: ast.Host): ast.Device[] {
    return [...(host.devices ?? []), ...allSwitches(host).flatMap(s => s.devices ?? [])];
}

