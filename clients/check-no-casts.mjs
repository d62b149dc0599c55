// Fails if hand-written TypeScript uses a cast (`x as T`, `<T>x`, `x satisfies T` is fine)
// or a non-null assertion (`x!`): the generated types must be enough on their own.
import { readFileSync } from "node:fs";
import ts from "typescript";

let bad = 0;
for (const file of process.argv.slice(2)) {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    const kind = ts.isAsExpression(node) ? "cast (as)"
      : ts.isTypeAssertionExpression(node) ? "cast (<T>)"
      : ts.isNonNullExpression(node) ? "non-null assertion (!)" : null;
    if (kind) {
      const { line, character } = source.getLineAndCharacterOfPosition(node.getStart());
      console.error(`${file}:${line + 1}:${character + 1}: ${kind}: ${node.getText()}`);
      bad += 1;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
if (bad) {
  console.error(`${bad} cast(s) or non-null assertion(s)`);
  process.exit(1);
}
