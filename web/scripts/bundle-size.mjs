// Print the built bundle's sizes, raw and gzipped: what the first render has to download.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const files = [];
const walk = (d) => {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(js|css|html)$/.test(f)) files.push(p);
  }
};
walk(dist);
let raw = 0;
let gz = 0;
for (const f of files.sort()) {
  const b = readFileSync(f);
  const g = gzipSync(b, { level: 9 }).length;
  raw += b.length;
  gz += g;
  console.log(
    `${relative(dist, f).padEnd(36)} ${(b.length / 1024).toFixed(1).padStart(7)} kB  gzip ${(g / 1024).toFixed(1).padStart(6)} kB`,
  );
}
console.log(
  `${"BUNDLE TOTAL (html+js+css)".padEnd(36)} ${(raw / 1024).toFixed(1).padStart(7)} kB  gzip ${(gz / 1024).toFixed(1).padStart(6)} kB`,
);
