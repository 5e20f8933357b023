/**
 * The typed message protocol between the extension (`panel.ts`) and the topology webview
 * (`webview/main.ts`), after Bicep's visualizer: the webview posts `ready` once its script runs,
 * and only then does the extension send the diagram. Types only (plus the view type id); the
 * diagram's own types come from the language's protocol module, type-only, so neither bundle pulls
 * in the language.
 */
import type { TopologyHostCapacity, TopologyNodeInfo, TopologyPathPair, TopologyResult, TopologySourceRange, TopologyViewport } from '../../language/src/protocol.js';

export type { TopologyHostCapacity, TopologyNodeInfo, TopologyPathPair, TopologyResult, TopologySourceRange, TopologyViewport };

/** The webview panel's view type (also the serializer's key and the activation event `onWebviewPanel:vmtopo.topology`). */
export const TOPOLOGY_VIEW_TYPE = 'vmtopo.topology';

/** What the webview keeps with `setState` and the serializer restores after a window reload. */
export interface TopologyViewState {
    /** The document shown. */
    uri: string;
    /** The host chosen in the host picker (undefined: the host at the cursor). */
    host?: string;
    fleet?: boolean;
    /** The VM whose slice is highlighted. */
    vm?: string;
}

/** Extension → webview. */
export type ToWebview =
    /** A new diagram (or the same one again, `stale`, when the layout ran past its budget). */
    | { type: 'update'; result: TopologyResult; state: TopologyViewState }
    /** The nodes at the editor's cursor (innermost last), to highlight. */
    | { type: 'highlight'; nodes: string[] }
    /** A layout is being computed (the view may show "updating…"). */
    | { type: 'busy' }
    /** The answer to the last request is the diagram already shown: only the status goes back. */
    | { type: 'unchanged' }
    /** No diagram: why. */
    | { type: 'error'; message: string };

/** Webview → extension. */
export type FromWebview =
    /** The script is running and listening: send the diagram, laid out for this drawing area (CSS px). */
    | { type: 'ready'; viewport: TopologyViewport }
    /** The drawing area changed size (debounced): lay the diagram out again for it. */
    | { type: 'resize'; viewport: TopologyViewport }
    /** A node was clicked: reveal where it was written. */
    | { type: 'reveal'; node: string; range: TopologySourceRange }
    /** The host picker (or a fleet card) chose a host. */
    | { type: 'selectHost'; host: string }
    /** The fleet overview was chosen. */
    | { type: 'showFleet' }
    /** A VM was selected (or cleared) in the view; kept in the state for reloads. */
    | { type: 'selectVm'; vm?: string };
