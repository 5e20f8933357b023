/**
 * The VS Code client's decision whether an export folder needs the user's confirmation
 * (`client/output-folder.ts`): the server writes without asking only inside the workspace folders,
 * or inside the exported file's folder when no workspace folder is open. A folder outside them is
 * sent only after the user picked it in a dialog.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOutsideWorkspaceFolders, resolveOutputFolder } from '../../client/output-folder.js';

describe('isOutsideWorkspaceFolders', () => {
    const file = '/w/topo/hgx.vmtopo';

    it('the default out/ beside a file of the workspace needs no confirmation', () => {
        expect(isOutsideWorkspaceFolders(resolveOutputFolder(undefined, file), file, ['/w'])).toBe(false);
        expect(isOutsideWorkspaceFolders(resolveOutputFolder('../xml', file), file, ['/w'])).toBe(false);
    });

    it('a setting that leaves every workspace folder needs confirmation', () => {
        expect(isOutsideWorkspaceFolders(resolveOutputFolder('../../../../tmp/x', file), file, ['/w'])).toBe(true);
        expect(isOutsideWorkspaceFolders(resolveOutputFolder('/srv/libvirt', file), file, ['/w', '/v'])).toBe(true);
        expect(isOutsideWorkspaceFolders('/w2/out', file, ['/w'])).toBe(true); // not a string prefix test
    });

    it('any of several workspace folders will do', () => {
        expect(isOutsideWorkspaceFolders('/v/exports', file, ['/w', '/v'])).toBe(false);
    });

    it('without workspace folders, only the file\'s own folder is free', () => {
        expect(isOutsideWorkspaceFolders(path.resolve('/w/topo/out'), file, [])).toBe(false);
        expect(isOutsideWorkspaceFolders(resolveOutputFolder('../xml', file), file, [])).toBe(true);
    });
});
