/**
 * Value conversion of vmtopo's terminals (Langium `ValueConverter` service):
 * - a number inside a CPU/NUMA list (`IdList`, e.g. `cores 16`) stays the text written, so
 *   `cores 1000000000000000000000` is reported as written, not as JavaScript's `1e+21`;
 * - a string is its text between the quotes, with no escape sequences (the README: strings are
 *   `"…"` or `'…'` on one line), so a backslash in a model name cannot smuggle a line break into a
 *   diagnostic.
 */
import { DefaultValueConverter, GrammarAST, AstUtils, type CstNode, type ValueType } from 'langium';

export class VmtopoValueConverter extends DefaultValueConverter {
    protected override runConverter(rule: GrammarAST.AbstractRule, input: string, cstNode: CstNode): ValueType {
        if (rule.name === 'STRING') {
            return input.slice(1, -1);
        }
        if (rule.name === 'NUMBER' && AstUtils.getContainerOfType(cstNode.grammarSource, GrammarAST.isParserRule)?.name === 'IdList') {
            return input;
        }
        return super.runConverter(rule, input, cstNode);
    }
}
