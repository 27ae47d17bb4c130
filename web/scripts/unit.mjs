// Unit tests of the dashboard's pure logic: compile src/lib + src/test with tsc (the same
// compiler and settings as the build), then run them with node's own test runner.
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(web, ".unit-build");
rmSync(out, { recursive: true, force: true });
const tsc = spawnSync(
  join(web, "node_modules", ".bin", "tsc"),
  ["-p", join(web, "tsconfig.unit.json")],
  { stdio: "inherit" },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
const files = readdirSync(join(out, "test"))
  .filter((f) => f.endsWith(".test.js"))
  .map((f) => join(out, "test", f));
const run = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...files], {
  stdio: "inherit",
  cwd: web,
});
process.exit(run.status ?? 1);
