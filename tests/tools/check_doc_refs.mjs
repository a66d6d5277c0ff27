#!/usr/bin/env node
/**
 * check_doc_refs.mjs - every reference to a design section, in code and
 * docs, resolves to the project's own docs/DESIGN.md: written "docs/DESIGN.md,
 * section N" (or "sections N and M"), with N a heading of that file ("## N."
 * or "### N.M"); no other mention of a DESIGN document ("DESIGN section 4"),
 * and no path outside the repository (../shared/...; CI's own script may
 * name the tool it runs there). Every docs/NAME.md a file names exists.
 * Prints each bad reference with its file and line; exits 1 if any.
 *
 *   node tests/tools/check_doc_refs.mjs [ROOT]
 */
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.argv[2] ?? '.');
const SKIP = new Set(['.git', 'node_modules', 'build', 'vectors']);
const TEXT = /\.(c|h|mjs|js|md|sql|json|html|css|sh)$|^(Makefile|run|install-deps|fetch-source|demo)$/;

function* files(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (TEXT.test(e.name)) yield p;
  }
}

const design = fs.readFileSync(path.join(root, 'docs/DESIGN.md'), 'utf8');
const sections = new Set([...design.matchAll(/^#{2,3} (\d+(?:\.\d+)?)\.? /gm)].map((m) => m[1]));
const problems = [];
let refs = 0;
// A comment may continue a reference on its next line ("docs/DESIGN.md,\n * section 4").
const REF = /docs\/DESIGN\.md,(?:\s|\*|\/\/|#|--)*sections? (\d+(?:\.\d+)?)(?: and (\d+(?:\.\d+)?))?/g;

for (const file of files(root)) {
  const rel = path.relative(root, file);
  const text = fs.readFileSync(file, 'utf8');
  const lineOf = (i) => text.slice(0, i).split('\n').length;
  for (const m of text.matchAll(REF)) {
    refs++;
    for (const n of [m[1], m[2]].filter(Boolean)) {
      if (!sections.has(n.replace(/\.$/, ''))) problems.push(`${rel}:${lineOf(m.index)}: docs/DESIGN.md has no section ${n}`);
    }
  }
  if (rel === path.join('tests', 'tools', 'check_doc_refs.mjs')) continue;
  for (const m of text.matchAll(/DESIGN(?!\.md)\b/g)) {
    problems.push(`${rel}:${lineOf(m.index)}: "${text.slice(m.index, m.index + 30).split('\n')[0]}..." is not a reference to docs/DESIGN.md`);
  }
  // (CI itself runs a tool of the machine's, outside the repository.)
  for (const m of rel.startsWith('.ci') ? [] : text.matchAll(/\.\.\/shared\b/g)) {
    problems.push(`${rel}:${lineOf(m.index)}: a path outside the repository (../shared)`);
  }
  for (const m of text.matchAll(/\bdocs\/([A-Z][A-Za-z0-9_-]*\.md)/g)) {
    if (!fs.existsSync(path.join(root, 'docs', m[1]))) problems.push(`${rel}:${lineOf(m.index)}: docs/${m[1]} does not exist`);
  }
}
for (const p of problems) console.log(`FAIL: ${p}`);
console.log(`${refs} references to docs/DESIGN.md sections checked, ${problems.length} problem(s)`);
process.exitCode = problems.length ? 1 : 0;
