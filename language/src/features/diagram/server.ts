/**
 * The language server's side of the topology view: the answers of the `vmtopo/topology` request
 * (registered by the diagram feature, `feature.ts`). Layout runs here (or in a worker thread of the server, see
 * {@link WorkerLayoutEngine}), never in the webview.
 *
 * - One layout in flight per document: a request that arrives while one runs waits; when several
 *   wait, only the newest is computed and every waiting request gets its answer (the client
 *   debounces while the user types, so this is the backstop).
 * - A time budget: when the layout takes longer than `budgetMs`, the worker is stopped and the
 *   previous diagram of the same view (document, host or fleet) is answered with `stale: true`, so
 *   the view keeps its picture and says it is out of date; the editor never waits on a layout.
 * - The document is built (validated) before the diagram is made, so the diagnostics on the nodes
 *   are those of the text the user sees.
 */
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { DocumentState, URI } from 'langium';
import type { LangiumSharedCoreServices } from 'langium';
import type { ElkNode } from 'elkjs/lib/elk-api.js';
import type { TopologyParams, TopologyResult } from '../../protocol.js';
import type { VmtopoCoreServices } from '../../langium/services.js';
import { isModel } from '../../generated/ast.js';
import { requestsOf } from '../plan/index.js';
import { documentDiagnostics, hostAt, renderDiagram, sourceInfo } from './index.js';
import { CachedLayoutEngine, inProcessEngine, type LayoutEngine, type Viewport } from './layout.js';

/** Default time budget of one layout, in ms. */
export const DEFAULT_LAYOUT_BUDGET_MS = 5000;

/** Thrown by {@link WorkerLayoutEngine} when a layout runs past its budget. */
export class LayoutTimeout extends Error {
    constructor(readonly budgetMs: number) {
        super(`layout took longer than ${budgetMs} ms`);
        this.name = 'LayoutTimeout';
    }
}

/**
 * elkjs in a Node worker thread (`workerFile`: the bundled `out/server/diagram-worker.cjs`), with a
 * time budget: a layout past `budgetMs` terminates the worker (elkjs cannot be interrupted inside
 * its thread) and rejects with {@link LayoutTimeout}; the next layout starts a fresh worker.
 */
export class WorkerLayoutEngine implements LayoutEngine {
    private worker: Worker | undefined;
    private nextId = 0;
    private readonly pending = new Map<number, { resolve: (g: ElkNode) => void; reject: (e: Error) => void }>();
    private broken = false;

    constructor(private readonly workerFile: string, private readonly budgetMs: number) {}

    layout(graph: ElkNode): Promise<ElkNode> {
        // A worker that could not run (its script missing or broken): lay out in this thread instead.
        if (this.broken) return inProcessEngine().layout(graph);
        const worker = this.start();
        const id = this.nextId++;
        return new Promise<ElkNode>((resolve, reject) => {
            const timer = setTimeout(() => {
                this.pending.delete(id);
                this.stop();
                reject(new LayoutTimeout(this.budgetMs));
            }, this.budgetMs);
            this.pending.set(id, {
                resolve: g => { clearTimeout(timer); resolve(g); },
                reject: e => { clearTimeout(timer); reject(e); }
            });
            worker.postMessage({ id, graph });
        });
    }

    private start(): Worker {
        if (this.worker) return this.worker;
        const worker = new Worker(this.workerFile);
        worker.unref();
        worker.on('message', (m: { id: number; graph?: ElkNode; error?: string }) => {
            const p = this.pending.get(m.id);
            if (!p) return;
            this.pending.delete(m.id);
            if (m.graph) p.resolve(m.graph); else p.reject(new Error(m.error ?? 'layout failed'));
        });
        worker.on('error', err => {
            this.broken = true;
            for (const p of this.pending.values()) p.reject(err);
            this.pending.clear();
            this.worker = undefined;
        });
        this.worker = worker;
        return worker;
    }

    /** Stops the worker (a layout in progress is abandoned). */
    stop(): void {
        const worker = this.worker;
        this.worker = undefined;
        void worker?.terminate();
        for (const p of this.pending.values()) p.reject(new Error('layout worker stopped'));
        this.pending.clear();
    }
}

/**
 * The layout engine of a language server's diagrams (the topology view and the `svg` export): the
 * given `engine`, else a {@link WorkerLayoutEngine} when `workerFile` exists, else elkjs in this
 * thread; layouts remembered by their input (`cacheSize`, default 16; 0: none), so typing in a
 * comment does not lay out again.
 */
export function createLayoutEngine(options: Pick<TopologyServiceOptions, 'engine' | 'workerFile' | 'budgetMs' | 'cacheSize'> = {}): LayoutEngine {
    const budgetMs = options.budgetMs ?? DEFAULT_LAYOUT_BUDGET_MS;
    const engine = options.engine
        ?? (options.workerFile && fs.existsSync(options.workerFile) ? new WorkerLayoutEngine(options.workerFile, budgetMs) : inProcessEngine());
    const cacheSize = options.cacheSize ?? 16;
    return cacheSize > 0 ? new CachedLayoutEngine(engine, cacheSize) : engine;
}

/** Options of {@link TopologyService}. */
export interface TopologyServiceOptions {
    /** Layout engine (default: a {@link WorkerLayoutEngine} when `workerFile` exists, else elkjs in this thread). */
    engine?: LayoutEngine;
    /** Bundled worker script (`out/server/diagram-worker.cjs`). */
    workerFile?: string;
    /** Time budget of one layout, in ms (default {@link DEFAULT_LAYOUT_BUDGET_MS}). */
    budgetMs?: number;
    /** How many layouts to remember by their input (default 16; 0: none). */
    cacheSize?: number;
    /** Wait for the workspace manager's first load before answering (in a language server; default false). */
    waitForWorkspace?: boolean;
}

/**
 * The panel size of a request when it is usable: finite, each side 50 … 20,000 CSS px (a hidden or
 * collapsed panel reports 0); else undefined (the default drawing area).
 */
export function usableViewport(v: TopologyParams['viewport']): Viewport | undefined {
    const ok = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 50 && n <= 20_000;
    return v && ok(v.width) && ok(v.height) ? { width: v.width, height: v.height } : undefined;
}

interface Waiting {
    params: TopologyParams;
    resolvers: ((r: TopologyResult) => void)[];
}

/** Computes `vmtopo/topology` answers: one in flight per document, a time budget, the last good diagram kept per view. */
export class TopologyService {
    private readonly engine: LayoutEngine;
    private readonly budgetMs: number;
    private readonly running = new Map<string, Promise<void>>();
    private readonly waiting = new Map<string, Waiting>();
    private readonly lastGood = new Map<string, TopologyResult>();
    private readonly waitForWorkspace: boolean;

    constructor(private readonly shared: LangiumSharedCoreServices, private readonly vmtopo: VmtopoCoreServices, options: TopologyServiceOptions = {}) {
        this.budgetMs = options.budgetMs ?? DEFAULT_LAYOUT_BUDGET_MS;
        this.waitForWorkspace = options.waitForWorkspace ?? false;
        this.engine = createLayoutEngine({ ...options, budgetMs: this.budgetMs });
    }

    /** The diagram for `params`; requests for one document are served one at a time, newest first. */
    request(params: TopologyParams): Promise<TopologyResult> {
        const key = params.uri;
        return new Promise(resolve => {
            const waiting = this.waiting.get(key);
            if (waiting) {
                waiting.params = params;
                waiting.resolvers.push(resolve);
            } else {
                this.waiting.set(key, { params, resolvers: [resolve] });
            }
            if (!this.running.has(key)) this.drain(key);
        });
    }

    private drain(key: string): void {
        const next = this.waiting.get(key);
        if (!next) return;
        this.waiting.delete(key);
        const run = this.compute(next.params).then(result => {
            for (const r of next.resolvers) r(result);
        }).finally(() => {
            this.running.delete(key);
            this.drain(key);
        });
        this.running.set(key, run);
    }

    private async compute(params: TopologyParams): Promise<TopologyResult> {
        const uri = URI.parse(params.uri);
        const docs = this.shared.workspace.LangiumDocuments;
        // In a language server the workspace's files are loaded once after `initialized`: wait for
        // them (a no-op later).
        if (this.waitForWorkspace) await this.shared.workspace.WorkspaceManager.ready;
        if (docs.hasDocument(uri)) {
            await this.shared.workspace.DocumentBuilder.waitUntil(DocumentState.Validated, uri);
        }
        const resolved = this.vmtopo.model.TopologyProvider.get();
        const host = params.fleet ? undefined : params.host ?? hostAt(resolved, params.uri, params.position);
        const viewKey = `${params.uri}\n${params.fleet ? '*fleet*' : host ?? ''}`;
        const provider = this.vmtopo.documentation.DocumentationProvider;
        const start = performance.now();
        try {
            const result = await renderDiagram(resolved.topology, sourceInfo(resolved, node => provider.getDocumentation(node)),
                documentDiagnostics(docs.all), {
                    host, fleet: params.fleet, engine: this.engine, viewport: usableViewport(params.viewport),
                    requests: requestsOf(docs.all.map(d => d.parseResult.value).filter(isModel).toArray())
                });
            const answer = { ...result, stale: false, layoutMs: performance.now() - start };
            if (!answer.message) this.lastGood.set(viewKey, answer);
            return answer;
        } catch (err) {
            const why = err instanceof LayoutTimeout ? err.message : `layout failed: ${err instanceof Error ? err.message : String(err)}`;
            if (!(err instanceof LayoutTimeout)) this.vmtopo.log.InternalErrors.report('topology layout', err);
            const previous = this.lastGood.get(viewKey);
            if (previous) return { ...previous, stale: true, message: `${why}; showing the previous diagram` };
            return {
                svg: '', view: params.fleet ? 'fleet' : 'host', host, hosts: resolved.topology.hosts.map(h => h.name),
                vms: [], nodes: [], stale: true, layoutMs: performance.now() - start, message: why
            };
        }
    }
}
