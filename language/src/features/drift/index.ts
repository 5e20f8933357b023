/**
 * `vmtopo drift`: vmtopo files against the bundles `vmtopo collect` made on their hosts. Used by the
 * CLI (cli/drift.ts) and the language server's `vmtopo.drift` command (server.ts).
 *
 * A bundle belongs to the host of the files whose name is the bundle's host name, or its first
 * label (`gpu-07.example.com` → `gpu-07`), or that label as `vmtopo import` names a host (`vm` →
 * `vm-host`, the grammar's keywords being no names); a bundle of a host the files do not declare is refused
 * ({@link BundleError}), as is a bundle the reader refuses (bundle.ts).
 */
import type { Diagnostic } from 'vscode-languageserver-types';
import type * as ast from '../../generated/ast.js';
import type { ResolvedTopology } from '../../model/resolve.js';
import type { HostModel, VmModel } from '../../model/topology.js';
import { hostId } from '../import/host-text.js';
import { BundleError, type Bundle } from './bundle.js';
import { hostFacts, type HostFacts } from './facts.js';
import { driftOfHost, type DriftFinding, type DriftTarget } from './drift.js';

export { readBundle, BundleError, type Bundle } from './bundle.js';
export { hostFacts, type HostFacts } from './facts.js';
export { driftOfHost, type DriftFinding, type DriftTarget } from './drift.js';
export { DRIFT_KINDS, driftKind, type DriftKind } from './findings.js';

/** Every host written in `models`, with its resolved model and the VMs on it. */
export function driftTargets(models: readonly ast.Model[], resolved: ResolvedTopology): Map<string, DriftTarget> {
    const targets = new Map<string, { host: ast.Host; model?: HostModel; vms: Array<{ node: ast.Vm; model?: VmModel }> }>();
    for (const m of models) {
        for (const h of m.hosts ?? []) {
            if (h.name && !targets.has(h.name)) targets.set(h.name, { host: h, model: resolved.modelOf.get(h) as HostModel | undefined, vms: [] });
        }
    }
    for (const m of models) {
        for (const v of m.vms ?? []) {
            const target = v.host?.ref?.name !== undefined ? targets.get(v.host.ref.name) : undefined;
            if (target) target.vms.push({ node: v, model: resolved.modelOf.get(v) as VmModel | undefined });
        }
    }
    return targets;
}

/** The host of `targets` a bundle belongs to. @throws BundleError when none. */
export function hostOfBundle(bundle: Bundle, targets: ReadonlyMap<string, unknown>): string {
    const short = bundle.host.split('.')[0];
    for (const name of [bundle.host, short, hostId(short)]) if (targets.has(name)) return name;
    const names = [...targets.keys()];
    throw new BundleError(bundle.name, `collected on host ${JSON.stringify(bundle.host)}, which the files do not declare (${names.length > 0 ? `hosts: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}` : 'no host'})`);
}

/**
 * The findings of every bundle against its host. Two bundles of one host are refused.
 * @throws BundleError (no host for a bundle, two bundles of one host, a bundle file that cannot be read)
 */
export function driftAll(models: readonly ast.Model[], resolved: ResolvedTopology, bundles: readonly Bundle[]): DriftFinding[] {
    const targets = driftTargets(models, resolved);
    const seen = new Map<string, string>();
    const work: Array<{ target: DriftTarget; facts: HostFacts }> = [];
    for (const bundle of bundles) {
        const host = hostOfBundle(bundle, targets);
        const first = seen.get(host);
        if (first !== undefined) throw new BundleError(bundle.name, `a second bundle of host ${host} (the first: ${first})`);
        seen.set(host, bundle.name);
        work.push({ target: targets.get(host)!, facts: hostFacts(bundle) });
    }
    return work.flatMap(w => driftOfHost(w.target, w.facts));
}

/** LSP severities of the findings. */
const SEVERITY = { error: 1, warning: 2, info: 3 } as const;

/**
 * A finding as an LSP diagnostic: `code` and `data.code` the drift code, `data.fixes` its
 * quick-fixes (the form the code-action provider reads), `data.command` the command that showed it,
 * `source` `vmtopo drift`.
 */
export function findingDiagnostic(f: DriftFinding): Diagnostic {
    return {
        range: f.range, severity: SEVERITY[f.severity], code: f.code, source: 'vmtopo drift', message: f.message,
        data: { code: f.code, command: f.command, ...(f.fixes.length > 0 ? { fixes: f.fixes } : {}) }
    };
}
