/**
 * The bundles the editor's drift command loaded (`vmtopo.drift`, server.ts), by host name, and the
 * drift diagnostics they give (feature.ts puts them into each document's validation).
 *
 * Held by the process, not by one services instance: the code-action provider verifies every
 * quick-fix in scratch services of its own (editor/code-actions.ts: the edit applied to a copy of
 * the workspace, validated from scratch), and those must give the same drift findings to tell that
 * "accept the live value" removes its finding. A language server serves one workspace, so one set
 * per process is the workspace's. The CLI never loads any (it compares with `driftAll` directly).
 */
import type { AstNode } from 'langium';
import type { ResolvedTopology } from '../../model/resolve.js';

/** A finding as the validation check accepts it (drift.ts makes them). */
export interface SessionFinding {
    readonly code: string;
    readonly severity: 'error' | 'warning' | 'info';
    readonly message: string;
    readonly command: string;
    readonly uri: string;
    readonly range: { readonly start: { line: number; character: number }; readonly end: { line: number; character: number } };
    readonly fixes: readonly unknown[];
}

/** A loaded bundle: its name, and its findings for a workspace (the models and their resolution). */
export interface SessionEntry {
    readonly bundle: string;
    readonly findings: (models: readonly AstNode[], resolved: ResolvedTopology) => readonly SessionFinding[];
}

const loaded = new Map<string, SessionEntry>();
/** The findings per resolution (one per workspace build) and loaded bundle. */
const computed = new WeakMap<ResolvedTopology, Map<SessionEntry, readonly SessionFinding[]>>();

/** Whether any bundle is loaded (the checks return at once otherwise). */
export function driftLoaded(): boolean {
    return loaded.size > 0;
}

/** Loads (replaces) the bundle of `host`. */
export function setDriftBundle(host: string, entry: SessionEntry): void {
    loaded.set(host, entry);
}

/** Forgets the bundle of `host`; true when there was one. */
export function clearDriftBundle(host: string): boolean {
    return loaded.delete(host);
}

/** Forgets every bundle (tests). */
export function clearDriftBundles(): void {
    loaded.clear();
}

/** The host a bundle was loaded for, by the bundle's name. */
export function hostOfLoadedBundle(bundle: string): string | undefined {
    for (const [host, entry] of loaded) if (entry.bundle === bundle) return host;
    return undefined;
}

/** The findings of `host` for this resolution (computed once per resolution), or undefined when no bundle of it is loaded. */
export function sessionFindings(host: string, models: () => readonly AstNode[], resolved: ResolvedTopology): readonly SessionFinding[] | undefined {
    const entry = loaded.get(host);
    if (!entry) return undefined;
    let byHost = computed.get(resolved);
    if (!byHost) computed.set(resolved, byHost = new Map<SessionEntry, readonly SessionFinding[]>());
    let findings = byHost.get(entry);
    if (!findings) byHost.set(entry, findings = entry.findings(models(), resolved));
    return findings;
}
