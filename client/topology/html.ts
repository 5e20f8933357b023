/**
 * The topology webview's HTML: a strict Content-Security-Policy (`default-src 'none'`; scripts and
 * styles only from the extension with this page's nonce; no remote content, no inline handlers),
 * the toolbar (host picker, fleet, VM picker, Fit, errors only, capacity, status), the diagram
 * container with its side boxes (the capacity report; the selected VM's NCCL paths) and the VM legend. Pure (no `vscode`
 * import), so the tests load exactly this page in a browser.
 */

export interface TopologyHtmlOptions {
    /** `webview.cspSource`: where the extension's own resources come from. */
    cspSource: string;
    /** A fresh random nonce per page (base64 or hex, at least 128 bits). */
    nonce: string;
    /** URI of the bundled script (`out/webview/topology.js`) as the webview sees it. */
    scriptUri: string;
    /** URI of the bundled stylesheet (`out/webview/topology.css`) as the webview sees it. */
    styleUri: string;
}

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function topologyHtml(o: TopologyHtmlOptions): string {
    const csp = [
        "default-src 'none'",
        `img-src ${o.cspSource} data:`,
        `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
        `script-src 'nonce-${o.nonce}'`,
        `font-src ${o.cspSource}`
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${attr(o.nonce)}" href="${attr(o.styleUri)}">
<title>vmtopo topology</title>
</head>
<body>
<div id="toolbar" role="toolbar">
  <label>Host <select id="host" aria-label="Host"></select></label>
  <button id="fleet" type="button" title="One card per host with its GPU use">Fleet</button>
  <label>VM <select id="vm" aria-label="Highlight a VM"><option value="">all</option></select></label>
  <button id="fit" type="button" title="Fit the diagram in the view">Fit</button>
  <button id="errors" type="button" aria-pressed="false" title="Show only what has an error or a warning">Errors only</button>
  <button id="capacity" type="button" aria-pressed="false" title="Free and stranded capacity: what no shape of the workload can use, and why">Capacity</button>
  <span id="status" role="status"></span>
</div>
<div id="viewport"><div id="canvas"></div><aside id="side"><section id="capacity-box" aria-label="Capacity" hidden></section><section id="paths-box" aria-label="NCCL paths" hidden></section></aside></div>
<div id="legend" aria-label="VM colours"></div>
<div id="tooltip" role="tooltip" hidden></div>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>
`;
}
