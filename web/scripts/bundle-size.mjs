// Measures what a browser downloads to show the panel: every file of the build that index.html
// loads (index.html, the JS and CSS under assets/), gzipped at level 9 as a server would send
// them, and fails the build above the budget of 150 KB (150 * 1024 bytes) gzipped.
// Prints one line per file and the total; writes the numbers to <outDir>/../panel-size.json.
// Usage: node scripts/bundle-size.mjs [outDir]   (default: $HOSTPLANE_PANEL_OUT or dist)
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

export const BUDGET_BYTES = 150 * 1024;

export function measure(outDir) {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(html|js|css)$/.test(name)) files.push(path);
    }
  };
  walk(outDir);
  const rows = files.sort().map((path) => {
    const raw = readFileSync(path);
    return { file: relative(outDir, path), bytes: raw.length, gzip: gzipSync(raw, { level: 9 }).length };
  });
  const total = rows.reduce((sum, r) => sum + r.gzip, 0);
  return { rows, total };
}

const outDir = process.argv[2] ?? process.env.HOSTPLANE_PANEL_OUT ?? 'dist';
const { rows, total } = measure(outDir);
for (const r of rows) console.log(`bundle-size: ${r.file.padEnd(40)} ${String(r.bytes).padStart(8)} B  ${String(r.gzip).padStart(7)} B gzipped`);
console.log(`bundle-size: total ${total} B gzipped (${(total / 1024).toFixed(1)} KB of a ${BUDGET_BYTES / 1024} KB budget)`);
writeFileSync(join(dirname(outDir), 'panel-size.json'), JSON.stringify({ files: rows, total_gzip: total, budget: BUDGET_BYTES }, null, 2) + '\n');
if (rows.length === 0) {
  console.error(`bundle-size: no files in ${outDir}`);
  process.exit(1);
}
if (total > BUDGET_BYTES) {
  console.error(`bundle-size: ${total} B gzipped is over the budget of ${BUDGET_BYTES} B`);
  process.exit(1);
}
