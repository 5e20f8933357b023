/**
 * Langium's configuration provider, with one change: when the client announces a change of the
 * settings (`workspace/didChangeConfiguration`) without sending the `vmtopo` section itself — the
 * LSP's pull model, where `settings` may be null — the provider asks for the section again
 * (`workspace/configuration`) and then reports it as updated. VS Code sends the section (push); then
 * nothing is asked. Listeners (rule control: `vmtopo.rules`) see one update per change either way.
 */
import { DefaultConfigurationProvider, type ConfigurationInitializedParams } from 'langium';
import type { ConfigurationItem, DidChangeConfigurationParams } from 'vscode-languageserver';

export class VmtopoConfigurationProvider extends DefaultConfigurationProvider {
    private fetch: ((items: ConfigurationItem[]) => Promise<unknown[]>) | undefined;
    private refresh: Promise<void> = Promise.resolve();

    override async initialized(params: ConfigurationInitializedParams): Promise<void> {
        if (this.workspaceConfig && params.fetchConfiguration) {
            const fetch = params.fetchConfiguration;
            this.fetch = items => fetch(items) as Promise<unknown[]>;
        }
        await super.initialized(params);
    }

    override updateConfiguration(change: DidChangeConfigurationParams): void {
        super.updateConfiguration(change);
        const sections = this.serviceRegistry.all.map(language => this.toSectionName(language.LanguageMetaData.languageId));
        const settings = change.settings as Record<string, unknown> | null | undefined;
        const pushed = typeof settings === 'object' && settings !== null && sections.every(s => s in settings);
        const fetch = this.fetch;
        if (pushed || !fetch) return;
        // One request at a time, in the order of the notifications.
        this.refresh = this.refresh.then(async () => {
            const values = await fetch(sections.map(section => ({ section })));
            sections.forEach((section, i) => {
                this.updateSectionConfiguration(section, values[i]);
                this.onConfigurationSectionUpdateEmitter.fire({ section, configuration: values[i] });
            });
        }).catch(err => console.error('vmtopo: reading the settings again failed:', err));
    }
}
