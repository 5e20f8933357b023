/**
 * The language services of the CLI's commands that read `.vmtopo` files (check, export, graph, plan,
 * drift): the core services, without the editor's (no `vscode-languageserver` is loaded); and the check
 * of their `--rule` options. Loaded only when such a command runs.
 */
import { NodeFileSystem } from 'langium/node';
import { createVmtopoCoreServices } from '../vmtopo-module.js';
import { escapeText } from '../kernel/text.js';
import { RULES } from '../rules/index.js';
import { parseRuleOption, RULES_SETTING, SETTINGS_SECTION, type RuleLevel, type RuleOverrides } from '../rules/engine/control.js';
import type { CliIo } from './io.js';

/**
 * Services whose internal-error log writes to stderr: a rule or check that throws is reported there
 * (once per distinct failure), the other checks still run, and the command then exits 2. The
 * `--rule` overrides are handed to the configuration provider as the `vmtopo.rules` setting, the
 * way the language server receives the editor's setting.
 */
export function cliServices(io: CliIo, rules: RuleOverrides = new Map()): ReturnType<typeof createVmtopoCoreServices> {
    const services = createVmtopoCoreServices(NodeFileSystem, { log: line => io.stderr(`${escapeText(line.split('\n')[0])}\n`) });
    if (rules.size > 0) {
        services.shared.workspace.ConfigurationProvider.updateConfiguration({
            settings: { [SETTINGS_SECTION]: { [RULES_SETTING]: Object.fromEntries(rules) } }
        });
    }
    return services;
}

/**
 * The `--rule RULE=LEVEL` values of the command line, in order (a later one for the same rule
 * wins), as overrides; or the first value that is not a known rule and level, with the reason.
 */
export function ruleOverrides(values: readonly string[]): RuleOverrides | { value: string; error: string } {
    const overrides = new Map<string, RuleLevel>();
    for (const value of values) {
        const parsed = parseRuleOption(value, RULES);
        if ('error' in parsed) return { value, error: parsed.error };
        overrides.set(parsed.id, parsed.level);
    }
    return overrides;
}
