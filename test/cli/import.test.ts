/**
 * `vmtopo import` as a real process (the bundled CLI), and the nvidia-smi importer's extra inputs
 * (`nvidia-smi --query-gpu=index,pci.bus_id,name --format=csv`, `ls -l /sys/class/infiniband/`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { importHost } from '../../language/src/features/import/index.js';
import { build, describeWithReference, readReference, SHARED } from '../support/util.js';
import { ensureCliBundle, vmtopo as runVmtopo } from '../support/cli.js';

let tmp: string;

beforeAll(() => {
    ensureCliBundle();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-import-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const vmtopo = (args: string[]) => runVmtopo(args, tmp);

describeWithReference('vmtopo import (CLI)', () => {
    const source = path.join(SHARED, 'reference/nccl-topo/oci-bm-gpu-h100-8-topology.xml');

    it('prints the host on stdout; -o writes it, never over an existing file without --force', () => {
        const printed = vmtopo(['import', source, '--name', 'oci-h100']);
        expect(printed.status).toBe(0);
        expect(printed.stdout).toMatch(/^host oci-h100 \{$/m);
        const first = vmtopo(['import', source, '--name', 'oci-h100', '-o', 'oci.vmtopo']);
        expect(first.status).toBe(0);
        expect(first.stderr).toMatch(/8 GPUs, 8 NICs, 4 NVSwitches, 24 PCIe switches, 2 NUMA nodes/);
        expect(fs.readFileSync(path.join(tmp, 'oci.vmtopo'), 'utf8')).toBe(printed.stdout);
        fs.writeFileSync(path.join(tmp, 'oci.vmtopo'), 'mine');
        const again = vmtopo(['import', source, '-o', 'oci.vmtopo']);
        expect(again.status).toBe(2);
        expect(again.stderr).toBe('vmtopo: oci.vmtopo exists; use --force to replace it\n');
        expect(fs.readFileSync(path.join(tmp, 'oci.vmtopo'), 'utf8')).toBe('mine');
        expect(vmtopo(['import', source, '--name', 'oci-h100', '-o', 'oci.vmtopo', '--force']).status).toBe(0);
        expect(fs.readFileSync(path.join(tmp, 'oci.vmtopo'), 'utf8')).toBe(printed.stdout);
        expect(vmtopo(['check', 'oci.vmtopo']).status).toBe(0);
    });

    it('refuses input that is no topology, a missing file and a bad --format with one line and exit 2', () => {
        fs.writeFileSync(path.join(tmp, 'notes.txt'), 'hello\n');
        for (const args of [['import', 'notes.txt'], ['import', 'missing.xml'], ['import', source, '--format', 'lspci']]) {
            const r = vmtopo(args);
            expect(r.status).toBe(2);
            expect(r.stderr.trim().split('\n')).toHaveLength(1);
            expect(r.stderr).toMatch(/^vmtopo: /);
        }
        // --format forces the reader: an NCCL file read as hwloc XML is refused with the reason.
        const forced = vmtopo(['import', source, '--format', 'hwloc']);
        expect(forced.status).toBe(2);
        expect(forced.stderr).toMatch(/not hwloc XML/);
    });
});

describeWithReference('nvidia-smi topo -m with the extra inputs for its PCI addresses', () => {
    it('fills GPU addresses and names from the CSV, NIC addresses and switch upstream ports from /sys/class/infiniband', async () => {
        const topo = readReference('nvidia-smi-topo/8xh200-sprocket.txt');
        // Bus ids as nvidia-smi prints them (8-digit domain, upper case) for GPU0-GPU7.
        const buses = ['19', '3B', '4C', '5D', '9B', 'BB', 'CB', 'DB'];
        const csv = `index, pci.bus_id, name\n${buses.map((b, i) => `${i}, 00000000:${b}:00.0, NVIDIA H200`).join('\n')}\n`;
        // mlx5_3 is GPU0's PIX NIC: root port 15:01.0, switch upstream 16:00.0, downstream 17:00.0, NIC 1a:00.0.
        const ls = 'total 0\nlrwxrwxrwx 1 root root 0 Nov 30 12:00 mlx5_3 -> ../../devices/pci0000:15/0000:15:01.0/0000:16:00.0/0000:17:00.0/0000:1a:00.0/infiniband/mlx5_3\n';
        const result = importHost([
            { file: 'topo.txt', text: topo }, { file: 'gpus.csv', text: csv }, { file: 'ib.txt', text: ls }
        ]);
        expect(result.text).toMatch(/gpu gpu0 "H200 SXM5 141GB" at 0000:19:00\.0/);
        expect(result.text).toMatch(/gpu gpu7 "H200 SXM5 141GB" at 0000:db:00\.0/);
        expect(result.text).toMatch(/pcie-switch sw\d+ at 0000:16:00\.0 on numa0 \{[^}]*gpu gpu0[^}]*nic mlx5_3 "unknown" at 0000:1a:00\.0/s);
        const ws = await build(result.text);
        expect(ws.diagnostics().filter(d => d.severity === 1 && d.code !== 'CAT001')).toEqual([]);
        // Without the extras, every address is a placeholder with the command that gives it.
        const bare = importHost([{ file: 'topo.txt', text: topo }]).text;
        expect(bare).toMatch(/gpu gpu0 "unknown" at 0fff:[0-9a-f]{2}:00\.0\s.*nvidia-smi --query-gpu=index,pci\.bus_id --format=csv/);
        expect(bare).toMatch(/nic mlx5_3 "unknown" at 0fff:[0-9a-f]{2}:00\.0\s.*ls -l \/sys\/class\/infiniband\//);
    });
});

describeWithReference('vmtopo/importHost over the bundled language server (what "vmtopo: Import Host…" asks)', () => {
    it('answers the host text for a topology, and ok: false with the reason for anything else', async () => {
        const { startServer } = await import('../support/lsp-server.js');
        const { IMPORT_HOST_REQUEST } = await import('../../language/src/protocol.js');
        const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-import-lsp-'));
        const server = await startServer(workspace);
        try {
            const text = readReference('nccl-topo/oci-bm-gpu-h100-8-topology.xml');
            const answer = await server.connection.sendRequest<{ ok: boolean; text?: string; summary?: string }>(IMPORT_HOST_REQUEST, { files: [{ file: 'oci.xml', text }] });
            expect(answer.ok).toBe(true);
            expect(answer.text).toBe(importHost([{ file: 'oci.xml', text }]).text);
            expect(answer.summary).toMatch(/8 GPUs, 8 NICs/);
            const refused = await server.connection.sendRequest<{ ok: boolean; message?: string }>(IMPORT_HOST_REQUEST, { files: [{ file: 'notes.txt', text: 'hello' }] });
            expect(refused).toEqual({ ok: false, message: expect.stringMatching(/^notes\.txt: not hwloc XML/) });
        } finally {
            server.connection.dispose();
            server.process.kill();
            fs.rmSync(workspace, { recursive: true, force: true });
        }
    });
});
