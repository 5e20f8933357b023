/**
 * Host templates (`host-template NAME { … }`, `host NAME from TEMPLATE { … }`): the host as its
 * template expands it, for the resolved model (and so for validation, hover, the view and both
 * exporters).
 *
 * The expansion is a host node with the template's parts and the host's overrides:
 * - clauses (`platform`, `cpu`, `license`, …): the host's when it writes one, else the template's;
 * - sockets and top-level switches: the template's, each replaced by the host's of the same name,
 *   then the host's others;
 * - devices: the template's, wherever they sit in its switch tree, each replaced by a device of the
 *   same name that the host writes (at its top level or in its own switches), then the host's others.
 * The expansion reuses the template's syntax nodes, so what is reported on a template part is
 * placed in the template (once; see `TopologyRuleRunner`). A template switch holding an overridden
 * device is copied (same syntax position) with that device replaced.
 */
import type { AstNode } from 'langium';
import type * as ast from '../generated/ast.js';

type Item = ast.PcieSwitch | ast.Device;

/** Every device of a host or template, in its switch tree too. */
function devicesOf(root: { switches?: ast.PcieSwitch[]; devices?: ast.Device[] }): ast.Device[] {
    const out: ast.Device[] = [...(root.devices ?? [])];
    const walk = (s: ast.PcieSwitch) => { out.push(...(s.devices ?? [])); (s.switches ?? []).forEach(walk); };
    (root.switches ?? []).forEach(walk);
    return out;
}

/** A copy of a syntax node with some properties replaced (same prototype, container and text position). */
function copyWith<T extends AstNode>(node: T, changes: Partial<T>): T {
    return Object.assign(Object.create(Object.getPrototypeOf(node) as object) as T, node, changes);
}

/**
 * `host` as its template expands it (see the module comment). The result is a host node: the
 * host's own when it has no template.
 */
export function expandHost(host: ast.Host, template: ast.HostTemplate | undefined): ast.Host {
    if (!template) return host;
    const byName = <T extends { name?: string }>(items: readonly T[] | undefined) => new Map((items ?? []).filter(i => i.name).map(i => [i.name!, i]));
    const ownSockets = byName(host.sockets);
    const ownSwitches = byName(host.switches);
    const templateSwitchNames = new Set((template.switches ?? []).map(s => s.name));
    const templateDeviceNames = new Set(devicesOf(template).map(d => d.name));
    const overrides = byName(devicesOf(host).filter(d => templateDeviceNames.has(d.name)));
    const touches = (s: ast.PcieSwitch): boolean => (s.devices ?? []).some(d => overrides.has(d.name)) || (s.switches ?? []).some(touches);
    const substitute = (s: ast.PcieSwitch): ast.PcieSwitch => touches(s)
        ? copyWith(s, { devices: (s.devices ?? []).map(d => overrides.get(d.name) ?? d), switches: (s.switches ?? []).map(substitute) })
        : s;
    const ownSwitchKept = (s: ast.PcieSwitch) => !templateSwitchNames.has(s.name);
    // The host's own switches that are not overrides of a template switch, without the devices that override template devices.
    const withoutOverrides = (s: ast.PcieSwitch): ast.PcieSwitch => touchesOverride(s)
        ? copyWith(s, { devices: (s.devices ?? []).filter(d => !overrides.has(d.name) || overrides.get(d.name) !== d), switches: (s.switches ?? []).map(withoutOverrides) })
        : s;
    const touchesOverride = (s: ast.PcieSwitch): boolean => (s.devices ?? []).some(d => overrides.get(d.name) === d) || (s.switches ?? []).some(touchesOverride);

    const changes: Record<string, unknown> = {
        sockets: [...(template.sockets ?? []).map(s => ownSockets.get(s.name) ?? s), ...(host.sockets ?? []).filter(s => !(template.sockets ?? []).some(t => t.name === s.name))],
        switches: [
            ...(template.switches ?? []).map(s => ownSwitches.get(s.name) ?? substitute(s)),
            ...(host.switches ?? []).filter(ownSwitchKept).map(withoutOverrides)
        ] satisfies Item[],
        devices: [...(template.devices ?? []).map(d => overrides.get(d.name) ?? d), ...(host.devices ?? []).filter(d => !templateDeviceNames.has(d.name))]
    };
    // Clauses: the host's, else the template's.
    for (const key of Object.keys(template)) {
        if (key.startsWith('$') || key === 'name' || key in changes) continue;
        const own = (host as unknown as Record<string, unknown>)[key];
        if (own === undefined || own === false || (Array.isArray(own) && own.length === 0)) changes[key] = (template as unknown as Record<string, unknown>)[key];
    }
    return copyWith(host, changes as Partial<ast.Host>);
}
