/**
 * What an export writer is: a pure function from the resolved model to the text of one file. The
 * export-format registry (`formats.ts`) loads a format's writer only when a file of that format is
 * written, so code that only checks files never loads the writers (or what they import: xmlbuilder2,
 * elkjs).
 *
 * - A per-VM writer ({@link VmWriter}) receives one VM and its guest PCI address plan (the plan is
 *   computed once per VM, so the libvirt and NCCL files of a VM agree on every guest address).
 * - A per-host writer ({@link HostWriter}) receives one host and what a drawing of it needs: the
 *   resolution (with its trace back to the syntax), the workspace's documents (whose diagnostics
 *   are drawn on the nodes they concern) and the documentation provider (doc comments).
 *
 * A writer throws `ExportError` (model/export-error.ts) when the VM or host cannot be exported as
 * asked; the message says why, for a person.
 */
import type { AstNode, LangiumDocument } from 'langium';
import type { HostModel, VmModel } from '../../model/topology.js';
import type { GuestPlan } from '../../model/guest-plan.js';
import type { ResolvedTopology } from '../../model/resolve.js';
import type { LayoutEngine } from '../diagram/layout.js';

/** The text of one VM's file (pure; ends with a newline). */
export type VmWriter = (vm: VmModel, plan: GuestPlan) => string;

/** What a per-host writer may read besides the host. */
export interface HostExportContext {
    /** The workspace's resolution; `resolved.topology` holds the host. */
    readonly resolved: ResolvedTopology;
    /** Every document of the workspace (their diagnostics are drawn). */
    readonly documents: Iterable<LangiumDocument>;
    /** The doc comment of a declaration, as markdown (Langium's documentation provider). */
    readonly documentation: (node: AstNode) => string | undefined;
    /** How diagrams are laid out (the language server's layout worker); default: elkjs in this thread. */
    readonly engine?: LayoutEngine;
}

/** The text of one host's file. */
export type HostWriter = (host: HostModel, context: HostExportContext) => Promise<string>;
