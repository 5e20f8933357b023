/**
 * The types and method names shared by the VS Code client and the language server's features: the
 * `vmtopo.export` command (`workspace/executeCommand`), the `vmtopo/topology` request of the
 * topology view and the `vmtopo/importHost` request. Types and constants only, no imports: the
 * client bundle pulls in nothing else from the language.
 */

/**
 * The id of an export format: a record of the export-format registry
 * (`language/src/features/export/formats.ts`), e.g. `libvirt`, `nccl`, `svg`. The server answers an
 * id it does not know with `ok: false`.
 */
export type ExportFormat = string;

/** What an export did: the answer of {@link EXPORT_COMMAND} and of `exportFiles`. */
export interface ExportResult {
    ok: boolean;
    /** Absolute paths of the files written (also when `ok` is false after a write failed part-way). */
    written: string[];
    /**
     * One line each (paths and names escaped, see `kernel/text.ts`): `file:line:col severity code
     * message`, or a sentence.
     */
    problems: string[];
    /**
     * True when the export stopped because a file could not be written (a file-system error such as
     * EACCES, ENOSPC, ENOTDIR); `problems` then holds one line naming the file, the error, the VMs
     * written and the VMs not written. Absent otherwise. (The CLI exits 2 for it, 1 for a refusal.)
     */
    writeFailed?: true;
    /**
     * The targets (VMs; hosts for a per-host format) not written because they or their host have
     * errors, each with its blocking errors; absent when none was refused. The others are written
     * all the same (`written`), and `ok` is false.
     */
    refused?: RefusedExport[];
    /** When some target was refused: the names of the targets written. */
    exported?: string[];
}

/** A VM (or host) an export refused: its blocking errors, as lines and as locations. */
export interface RefusedExport {
    kind: 'VM' | 'host';
    name: string;
    /** `file:line:col error CODE message`, one per blocking error, in document order. */
    errors: string[];
    /** Where each error is: the document URI and its 0-based LSP range (for "Show in Problems"). */
    locations: { uri: string; range: { start: TopologyPosition; end: TopologyPosition } }[];
}

/** The command id; the extension's commands call it with one {@link ExportCommandArgs}. */
export const EXPORT_COMMAND = 'vmtopo.export';

/**
 * The one argument of {@link EXPORT_COMMAND}: `arguments: [ExportCommandArgs]`.
 *
 * - `file`: the `.vmtopo` file, an absolute path or a `file:` URI without authority
 *   (`file:///w/a.vmtopo`, not `file://host/…`). It must lie inside a workspace folder of the client
 *   (`initialize` `workspaceFolders`), or, when the client gave none, it is its own root. An
 *   `untitled:` URI of a document open in the editor (not saved) is exported from the editor's
 *   text, into an absolute `outDir` the user chose (`outDirChosenByUser: true`, required then);
 *   other schemes are refused.
 * - `format`: the id of a format of the registry: `libvirt` (one domain XML per VM), `nccl` (one
 *   NCCL topology XML per VM), `svg` (one topology diagram per host).
 * - `vm`: only this VM (default: every VM of the file); for a per-host format, only its host.
 * - `host`: only this host (default: every host of the file, and those of its VMs); for a per-VM
 *   format, only the VMs on it.
 * - `outDir`: the output folder — absolute, a `file:` URI, or relative to the file's folder;
 *   default `out` beside the file. It must lie inside a workspace folder (on real paths: a link
 *   pointing out of the workspace is refused) unless `outDirChosenByUser` is true.
 * - `outDirChosenByUser`: set by the client only when the user picked or confirmed `outDir` in a
 *   folder dialog; then `outDir` may lie anywhere.
 * - `into` (format `libvirt` only): the user's own domain XML, an absolute path or a `file:` URI, to
 *   merge the VM into ("vmtopo: Export libvirt Domain Into…"); one VM, written as `<vm>.domain.xml`
 *   in `outDir`, never over `into`. It must lie inside a workspace folder unless `intoChosenByUser`.
 * - `intoChosenByUser`: set by the client only when the user picked `into` in a file dialog.
 */
export interface ExportCommandArgs {
    file: string;
    format: ExportFormat;
    vm?: string;
    host?: string;
    outDir?: string;
    outDirChosenByUser?: boolean;
    into?: string;
    intoChosenByUser?: boolean;
}

/**
 * The answer of {@link EXPORT_COMMAND}: `{ ok, written, problems, writeFailed? }` (see
 * {@link ExportResult}). Every refusal — malformed argument, file or folder outside the workspace,
 * errors in the document, a file that could not be written — is `ok: false` with one line per
 * problem, never a protocol error.
 */
export type ExportCommandResult = ExportResult;

// ---- Topology view (`vmtopo/topology`): the diagram the webview and the export command show. ----

/** A 0-based LSP position. */
export interface TopologyPosition {
    line: number;
    character: number;
}

/** Where a diagram node was written: a document URI and a 0-based range. */
export interface TopologySourceRange {
    uri: string;
    start: TopologyPosition;
    end: TopologyPosition;
}

/** The custom request that returns the topology diagram: params {@link TopologyParams}, answer {@link TopologyResult}. */
export const TOPOLOGY_REQUEST = 'vmtopo/topology';

/**
 * - `uri`: the document the view belongs to (its workspace's hosts are drawn).
 * - `host`: the host to draw; default: the host of the VM or device at `position`, else the first
 *   host of the document, else of the workspace.
 * - `fleet`: the fleet overview (one card per host) instead of one host.
 * - `viewport`: the panel's drawing area in CSS px; the layout follows its shape (sockets side by
 *   side when it is wide, one above the other when it is narrow). Default: 1600 × 1000.
 */
export interface TopologyParams {
    uri: string;
    host?: string;
    fleet?: boolean;
    position?: TopologyPosition;
    viewport?: TopologyViewport;
}

/** A drawing area in CSS px (both finite and positive; the server ignores any other). */
export interface TopologyViewport {
    width: number;
    height: number;
}

/** One node of the diagram, as the view's hover and click need it. */
export interface TopologyNodeInfo {
    /** The node's `data-node` attribute in the SVG. */
    id: string;
    kind: string;
    label: string[];
    /** Hover text, one fact a line. */
    facts: string[];
    /** VMs that hold the node. */
    vms: string[];
    range?: TopologySourceRange;
    diagnostics: { severity: number; code?: string; message: string }[];
    /**
     * What the node shows when zoomed out (its labels would be too small to read): one or two short
     * lines, e.g. `sw0 · 1 GPU · 1 NIC` and `train-a` for a PCIe switch, `gpu0` for a GPU.
     */
    summary?: string[];
}

/**
 * The answer of {@link TOPOLOGY_REQUEST}. `stale`: the layout did not finish within the server's
 * time budget (or the document changed while it ran), and this is the previous layout of the same
 * view; `message` says why there is no diagram (no host) or why it is stale.
 */
export interface TopologyResult {
    svg: string;
    view: 'host' | 'fleet';
    host?: string;
    /** Every host of the workspace, in workspace order (for the host picker). */
    hosts: string[];
    /** The VMs of the drawn host, in colour order. */
    vms: string[];
    nodes: TopologyNodeInfo[];
    stale: boolean;
    /** Layout + render time of this answer, in ms. */
    layoutMs: number;
    message?: string;
    /** Free and stranded capacity of the drawn host (fleet view: of every host, then the fleet). */
    capacity?: TopologyCapacity;
    /** NCCL's path types in each VM's guest that has GPUs (host view only), VM order. */
    ncclPaths?: TopologyVmPaths[];
}

/**
 * The stranded-capacity report (`vmtopo plan --report`) of the hosts as written: what is free and
 * what of it no shape of the workload can use, and why. The workload is the request blocks of the
 * workspace (`from: 'requests'`) or, when there are none, the shapes of its VMs (`from: 'vms'`).
 */
export interface TopologyCapacity {
    from: 'requests' | 'vms';
    /** How many shapes the workload has. */
    shapes: number;
    hosts: TopologyHostCapacity[];
}

/** One row of the report; `host` is `fleet` for the fleet's sum. GPU-equivalents count free slices as fractions of a GPU. */
export interface TopologyHostCapacity {
    host: string;
    freeGpus: number;
    freeGpuEquivalents: number;
    freeCores: number;
    freeMemoryGiB: number;
    strandedGpuEquivalents: number;
    strandedCores: number;
    strandedMemoryGiB: number;
    /** Stranded GPU-equivalents per cause, largest first (`cause`: a sentence such as `no free cores left on the GPU's NUMA node`). */
    causes: { cause: string; gpuEquivalents: number }[];
    /** The stranded GPUs: their diagram node, name, free GPU-equivalents and the cause (a sentence). */
    gpus: { node: string; gpu: string; gpuEquivalents: number; cause: string }[];
}

/** The NCCL paths of one VM's guest, for the diagram's labels of its GPU↔NIC and GPU↔GPU pairs. */
export interface TopologyVmPaths {
    vm: string;
    pairs: TopologyPathPair[];
    /** Why there is no prediction (e.g. an ESXi host, whose guests vmtopo does not export for NCCL). */
    message?: string;
}

/**
 * One pair of a VM's devices as NCCL sees them in the guest: `a` a GPU (or vGPU slice), `b` a NIC
 * (or VF) or another GPU, as diagram node ids and the VM's device names; `type` NCCL's path type
 * (PIX, PXB, PHB, SYS, PXN, NVL…); `label` what the diagram writes: `PIX · GDR`, `PXN via gpu1 · GDR`,
 * `NV18`, `SYS · no P2P`.
 */
export interface TopologyPathPair {
    kind: 'gpu-nic' | 'gpu-gpu';
    a: string;
    b: string;
    aName: string;
    bName: string;
    type: string;
    label: string;
    /** GPU↔NIC: whether NCCL uses GPUDirect RDMA. */
    gdr?: boolean;
    /** GPU↔GPU: whether NCCL uses P2P. */
    p2p?: boolean;
}

/**
 * `vmtopo/importHost` (client → server): the editor's "vmtopo: Import Host…" sends the files the
 * user picked; the server runs the pure importer (`language/src/features/import/`) and answers the vmtopo text
 * of the host, which the client opens as a new untitled vmtopo document.
 */
export const IMPORT_HOST_REQUEST = 'vmtopo/importHost';

export interface ImportHostParams {
    /** The picked files: base name (for the doc comment and messages) and UTF-8 text. */
    files: { file: string; text: string }[];
    /** Force a format instead of detecting it from the content. */
    format?: 'hwloc' | 'nccl' | 'nvidia-smi';
    /** Host name (default: from the source, else the file name). */
    name?: string;
}

/** The answer of {@link IMPORT_HOST_REQUEST}: the host's text, or why the files cannot be imported (one line). */
export interface ImportHostResult {
    ok: boolean;
    /** When ok: the host's vmtopo text, the format read and a one-line summary of what was found. */
    text?: string;
    format?: string;
    summary?: string;
    /** When not ok: why. */
    message?: string;
}

// ---- Drift (`vmtopo.drift`): a host's files against a bundle of `vmtopo collect`. ----

/** The command id of the language server's drift check (`workspace/executeCommand`). */
export const DRIFT_COMMAND = 'vmtopo.drift';

/**
 * The one argument of {@link DRIFT_COMMAND}: `bundle`, the bundle file (an absolute path or a
 * `file:` URI) whose host's documents get the drift findings as diagnostics (until the server
 * stops or the same bundle is given with `clear: true`).
 */
export interface DriftCommandArgs {
    bundle: string;
    clear?: boolean;
}

/**
 * The answer of {@link DRIFT_COMMAND}: `ok` with the host and the number of findings now shown, or
 * `ok: false` with the one-line reason (a bundle refused, a host the workspace does not declare).
 */
export interface DriftCommandResult {
    ok: boolean;
    message: string;
    host?: string;
    findings?: number;
}

/**
 * Custom request of the placement planner (features/plan/feature.ts): plans the `request` blocks of
 * the document `uri` (all when `request` is absent) next to the workspace's VMs and answers the `vm`
 * blocks, one message per request that cannot be planned, and the stranded-capacity table.
 */
export const PLAN_REQUEST = 'vmtopo/plan';

export interface PlanParams {
    readonly uri: string;
    readonly request?: string;
    readonly host?: string;
}

export interface PlanAnswer {
    /** The planned `vm` blocks ('' when nothing can be written). */
    readonly text: string;
    readonly errors: readonly string[];
    /** The stranded-capacity report as a Markdown table. */
    readonly report: string;
}
