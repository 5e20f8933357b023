/**
 * The topology checks of every rule family, run once per workspace build over the resolved
 * topology; each document then receives its share (the diagnostics whose target was written in
 * it). Cost per build: one run of every rule, whatever the number of files — not one per document.
 *
 * And only where the topology changed: a check relates the objects of one host (its devices and
 * the VMs on it; only a check marked `workspace`, such as the workspace-wide name rule, looks
 * across hosts), so the reports of a host whose model and VMs are the same objects as at the last
 * build (the resolution reuses the models of unchanged syntax, `TopologyCache`) are reused, and
 * the checks run over the other hosts only (all of them at once, each report then kept with the
 * host it concerns). After a keystroke in one file of a 640-host fleet, the checks run over that
 * file's hosts, not over all 640 (about 50 ms). Each document's diagnostics come by check (in
 * family order), then by host (in workspace order), then in the order the check made them.
 *
 * Bounded output, one rule for every family: a report keeps at most `MAX_RELATED` related objects
 * (the first ones the check gave; a report placed at a host template, those and the first hosts
 * made from it), and checks name the objects of a group in messages through `nameList`
 * (kernel/bounds.ts), so a conflict among N VMs costs O(N), not O(N²).
 */
import { AstUtils, WorkspaceCache, type AstNode } from 'langium';
import { isHost, isHostTemplate, isVm } from '../../generated/ast.js';
import type { LangiumCoreServices } from 'langium';
import { MAX_RELATED } from '../../kernel/bounds.js';
import type { InternalErrors } from '../../kernel/internal-errors.js';
import type { ResolvedTopology } from '../../model/resolve.js';
import type { HostModel, Topology, VmModel } from '../../model/topology.js';
import type { TopologyProvider } from '../../model/topology-provider.js';
import type { Report, ReportFixes, RuleCheck, RuleContext, RuleFamily, RuleInfo, Severity } from './rule.js';
import type { RuleRegistryServices } from './registry.js';

/** A topology diagnostic placed on the syntax node it concerns. */
export interface PlacedReport {
    readonly rule: RuleInfo;
    readonly severity: Severity;
    readonly message: string;
    readonly node: AstNode;
    /** The document of `node` (`URI.toString()`). */
    readonly uri: string;
    readonly property?: string;
    readonly index?: number;
    readonly data?: Record<string, unknown>;
    /** The report's quick-fixes (`data.fixes` of the diagnostic). */
    readonly fixes?: ReportFixes;
    /** The other objects involved, placed (`relatedInformation`). */
    readonly related?: readonly PlacedRelated[];
    /** For a report placed in a host template: the host (made from it) the report came from, when known. */
    readonly templateUse?: { readonly related?: PlacedRelated };
}

/** A related object of a report, placed on its syntax node. */
export interface PlacedRelated {
    readonly node: AstNode;
    readonly uri: string;
    readonly property?: string;
    readonly index?: number;
    readonly message: string;
}

/** The reports of every check on one host and the VMs on it (per check index; none: a check without reports there). */
interface HostRun {
    readonly vms: readonly VmModel[];
    readonly reports: ReadonlyMap<number, readonly PlacedReport[]>;
}

export class TopologyRuleRunner {
    private readonly topologies: TopologyProvider;
    private readonly internalErrors: InternalErrors;
    /** Document URI → its diagnostics; cleared with the topology after every change. */
    private readonly cache: WorkspaceCache<'reports', Map<string, PlacedReport[]>>;
    /** Document URI → the reports it was last given ({@link reportsFor}). */
    private readonly handedOut = new Map<string, readonly PlacedReport[]>();
    /** The last run of the checks on a host (its model object), while its VMs stay the same. */
    private readonly hostRuns = new WeakMap<HostModel, HostRun>();
    private readonly checks: readonly RuleCheck[];
    /** Each check's name in the log (`rule LOC001/LOC002`). */
    private readonly labels: ReadonlyMap<RuleCheck, string>;

    /** The checks of `families` (default: every family of the registry), in family order. */
    constructor(services: LangiumCoreServices & RuleRegistryServices & { model: { TopologyProvider: TopologyProvider }; log: { InternalErrors: InternalErrors } },
        families: readonly RuleFamily[] = services.validation.RuleRegistry.families) {
        this.topologies = services.model.TopologyProvider;
        this.internalErrors = services.log.InternalErrors;
        this.cache = new WorkspaceCache(services.shared);
        this.checks = families.flatMap(family => family.checks ?? []);
        this.labels = new Map(this.checks.map(check => [check, `rule ${check.rules.map(r => r.id).join('/')}`]));
        services.shared.workspace.DocumentBuilder.onUpdate((_changed, deleted) => {
            for (const uri of deleted) this.handedOut.delete(uri.toString());
        });
    }

    /** The topology diagnostics that fall into the document `uri` (a `URI.toString()`). */
    reportsFor(uri: string): readonly PlacedReport[] {
        const reports = this.cache.get('reports', () => this.runAll()).get(uri) ?? NO_REPORTS;
        this.handedOut.set(uri, reports);
        return reports;
    }

    /**
     * The topology reports the document `uri` would now receive, when they are those it was last
     * given ({@link reportsFor}): the same placed reports (the same objects — those of hosts whose
     * checks were not run again), in the same order; else undefined.
     */
    unchangedReports(uri: string): readonly PlacedReport[] | undefined {
        const before = this.handedOut.get(uri);
        if (!before) return undefined;
        const now = this.cache.get('reports', () => this.runAll()).get(uri) ?? NO_REPORTS;
        return now.length === before.length && now.every((r, i) => r === before[i]) ? now : undefined;
    }

    private runAll(): Map<string, PlacedReport[]> {
        const resolved = this.topologies.get();
        const vmsOn = new Map<HostModel, VmModel[]>();
        for (const vm of resolved.topology.vms) {
            const list = vmsOn.get(vm.host);
            if (list) list.push(vm); else vmsOn.set(vm.host, [vm]);
        }
        const runs = new Map<HostModel, HostRun>();
        const changed: HostModel[] = [];
        for (const host of resolved.topology.hosts) {
            const vms = vmsOn.get(host) ?? [];
            const run = this.hostRuns.get(host);
            if (run && run.vms.length === vms.length && run.vms.every((vm, i) => vm === vms[i])) runs.set(host, run);
            else changed.push(host);
        }
        // The hosts that changed: each check runs once over all of them (and their VMs), and its
        // reports are sorted to the host they concern.
        const unplaced: PlacedReport[][] = this.checks.map(() => []);
        if (changed.length > 0) {
            const changedSet = new Set(changed);
            const part: Topology = { hosts: changed, vms: resolved.topology.vms.filter(vm => changedSet.has(vm.host)), declarations: [] };
            const fresh = new Map(changed.map(host => [host, new Map<number, PlacedReport[]>()]));
            let reuse = true;
            this.checks.forEach((check, i) => {
                if (check.workspace) return;
                for (const r of this.run(check, part, resolved, () => { reuse = false; })) {
                    const reports = fresh.get(hostOf(r.node, resolved)!);
                    if (reports) {
                        const list = reports.get(i);
                        if (list) list.push(r); else reports.set(i, [r]);
                    } else {
                        unplaced[i].push(r);
                        reuse = false;
                    }
                }
            });
            for (const host of changed) {
                const run: HostRun = { vms: vmsOn.get(host) ?? [], reports: fresh.get(host)! };
                runs.set(host, run);
                // A check that threw runs again next time (and is reported again): its silence is no result.
                if (reuse) this.hostRuns.set(host, run);
            }
        }
        const byDocument = new Map<string, PlacedReport[]>();
        // A report on a part of a host template comes once per host made from it: placed once, at
        // the template, with the hosts that use it as related information (model/template.ts).
        // Within the bound of related entries: the check's own (all but one, when a host is named) and
        // then the hosts, while there is room.
        const inTemplate = new Map<string, { report: PlacedReport & { related: PlacedRelated[] }; uses: Set<AstNode> }>();
        const place = (r: PlacedReport) => {
            if (r.templateUse) {
                const key = `${r.rule.id}|${r.uri}|${r.node.$cstNode?.offset}|${r.property}|${r.index}`;
                const first = inTemplate.get(key);
                const use = r.templateUse.related;
                if (first) {
                    if (use && first.report.related.length < MAX_RELATED && !first.uses.has(use.node)) {
                        first.uses.add(use.node);
                        first.report.related.push(use);
                    }
                    return;
                }
                const own = (r.related ?? []).slice(0, use ? MAX_RELATED - 1 : MAX_RELATED);
                const merged = { ...r, related: [...own, ...(use ? [use] : [])] };
                inTemplate.set(key, { report: merged, uses: new Set(use ? [use.node] : []) });
                r = merged;
            }
            const list = byDocument.get(r.uri);
            if (list) list.push(r); else byDocument.set(r.uri, [r]);
        };
        // The runs with any report, in workspace order (in a fleet most hosts have none).
        const reporting = resolved.topology.hosts.map(host => runs.get(host)!).filter(run => run.reports.size > 0);
        this.checks.forEach((check, i) => {
            if (check.workspace) {
                this.run(check, resolved.topology, resolved, () => undefined).forEach(place);
                return;
            }
            for (const run of reporting) run.reports.get(i)?.forEach(place);
            unplaced[i].forEach(place);
        });
        return byDocument;
    }

    /** Runs one check over `topology` (all or part of `resolved`), placing its reports. */
    private run(check: RuleCheck, topology: Topology, resolved: ResolvedTopology, onFailure: () => void): PlacedReport[] {
        const placed: PlacedReport[] = [];
        const ctx: RuleContext = {
            topology,
            resolved,
            report: ({ rule, severity, message, target, property, data, fixes, related }: Report) => {
                const where = resolved.trace.get(target);
                if (!where) return;
                const placedRelated: PlacedRelated[] = [];
                for (const r of related ?? []) {
                    if (placedRelated.length >= MAX_RELATED) break; // bounded, whatever the check gave (kernel/bounds.ts)
                    const at = resolved.trace.get(r.target);
                    if (!at) continue;
                    placedRelated.push({
                        node: at.node, uri: AstUtils.getDocument(at.node).uri.toString(), message: r.message,
                        property: r.property ?? at.property, index: r.property ? undefined : at.index
                    });
                }
                placed.push({
                    rule, severity: severity ?? rule.severity, message, node: where.node, uri: AstUtils.getDocument(where.node).uri.toString(),
                    data, fixes, property: property ?? where.property, index: property ? undefined : where.index,
                    related: placedRelated.length > 0 ? placedRelated : undefined,
                    templateUse: templateUse(where.node, target, resolved)
                });
            }
        };
        // A check that throws is reported once to the log with its rule ids; the others still run.
        const failures = this.internalErrors.count;
        this.internalErrors.guard(this.labels.get(check)!, () => check.run(ctx), undefined);
        if (this.internalErrors.count > failures) onFailure();
        return placed;
    }
}

const NO_REPORTS: readonly PlacedReport[] = [];

/** The host a report on `node` concerns: the host it is written in, or the host of the VM it is written in. */
function hostOf(node: AstNode, resolved: ResolvedTopology): HostModel | undefined {
    for (let n: AstNode | undefined = node; n; n = n.$container) {
        if (isHost(n)) return resolved.modelOf.get(n) as HostModel | undefined;
        if (isVm(n)) {
            const host = n.host?.ref;
            return host ? resolved.modelOf.get(host) as HostModel | undefined : undefined;
        }
    }
    return undefined;
}

/**
 * When `node` lies in a host template: the host (made from it) whose model `target` belongs to, as
 * related information ("in host NAME, made from this template"; no `related` when the target has no
 * host, e.g. a socket's NUMA node); else undefined.
 */
function templateUse(node: AstNode, target: object, resolved: ResolvedTopology): { related?: PlacedRelated } | undefined {
    if (!AstUtils.getContainerOfType(node, isHostTemplate)) return undefined;
    const t = target as { host?: HostModel; numaOfCpu?: unknown };
    const host = t.host ?? (typeof t.numaOfCpu === 'function' ? target as HostModel : undefined);
    const at = host ? resolved.trace.get(host) : undefined;
    if (!host || !at) return {};
    return { related: { node: at.node, uri: AstUtils.getDocument(at.node).uri.toString(), property: 'name', message: `in host ${host.name}, made from this template` } };
}
