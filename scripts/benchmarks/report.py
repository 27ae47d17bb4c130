#!/usr/bin/env python3
"""Turn the logs of one scripts/bench run into docs/benchmarks.md: a table of figure, target,
measured value and ratio, with the machine and the date. Reads LOGDIR/{writer,sweep,backfill,api,
timetravel,latency,notify,findings,lambda}.log and LOGDIR/status.tsv (step, exit status, seconds).

    report.py LOGDIR OUT.md
"""
import datetime, os, platform, re, subprocess, sys

logdir, out = sys.argv[1], sys.argv[2]
rows = []  # (area, figure, target, measured, ratio, verdict)


def read(name):
    path = os.path.join(logdir, name + ".log")
    return open(path, errors="replace").read() if os.path.exists(path) else None


def add(area, figure, target, measured, ratio="-", verdict="-"):
    rows.append((area, figure, target, measured, ratio, verdict))


def missing(area, step):
    add(area, f"({step} did not run or printed no result; see its log)", "-", "-", "-", "NOT MEASURED")


# writer: its own table (workload, measured, unit, target, ratio, PASS/FAIL, note)
text = read("writer")
found = False
for line in (text or "").splitlines():
    m = re.match(r"^(\S.{0,100}?)\s+([0-9.]+)\s+(\S+)\s+((?:>=|<=) [0-9.]+|-)\s+([0-9.]+|-)\s+(PASS|FAIL|-)\s*(.*)$", line)
    if m and not line.startswith("workload"):
        workload, measured, unit, target, ratio, verdict, _ = m.groups()
        if target == "-" and not workload.startswith(("baseline", "server reference", "server floor")):
            continue
        found = True
        add("writer (MariaDB)", workload.strip(), target.replace(">=", "≥").replace("<=", "≤") + ("" if target == "-" else f" {unit}"),
            f"{float(measured):,.1f} {unit}", ratio, verdict)
if not found:
    missing("writer (MariaDB)", "cargo bench -p zonetrail-writer --bench writer")

# sweep: one line per scenario, and the peak memory
text = read("sweep")
found = False
for line in (text or "").splitlines():
    m = re.match(r"^\s*(\d+) zone\(s\): (\d+) record sets in ([0-9.]+) s = (\d+) record sets/s = ([0-9.]+)% of the ceiling.*failed (\d+)", line)
    if m:
        found = True
        zones, n, secs, rate, pct, failed = m.groups()
        ok = float(pct) >= 95 and failed == "0"
        add("sweep (rate-limited Route 53, R = 20/s)", f"{n} record sets over {zones} zone(s), failed pages {failed}", "≥ 95 % of R × 300 = 6,000 sets/s",
            f"{int(rate):,} sets/s ({pct} %)", f"{float(pct) / 95:.2f}", "PASS" if ok else "FAIL")
    m = re.match(r"^peak memory of the sweeping process \(VmHWM\): ([0-9.]+) MiB", line)
    if m:
        mib = float(m.group(1))
        add("sweep (rate-limited Route 53, R = 20/s)", "peak memory of the sweeping process (VmHWM)", "< 64 MiB", f"{mib:.1f} MiB",
            f"{mib / 64:.2f}", "PASS" if mib < 64 else "FAIL")
if not found:
    missing("sweep (rate-limited Route 53, R = 20/s)", "cargo bench -p zonetrail-ingest --bench sweep")

# backfill: the rate against CloudTrail's ceiling, and the peak memory
text = read("backfill")
found = False
AREA = "backfill (fake CloudTrail at 2 requests/s x 50 events)"
for line in (text or "").splitlines():
    m = re.match(r"^(\d+) events in ([0-9.]+) s = ([0-9.]+) events/s = ([0-9.]+)% of the ceiling.*pages (\d+) \| events lost (\d+)", line)
    if m:
        found = True
        n, secs, rate, pct, pages, lost = m.groups()
        ok = float(pct) >= 95 and lost == "0"
        add(AREA, f"{int(n):,} events, {pages} pages, events lost {lost}", "≥ 95 % of 100 events/s",
            f"{float(rate):.1f} events/s ({pct} %)", f"{float(pct) / 95:.2f}", "PASS" if ok else "FAIL")
    m = re.match(r"^peak memory of the backfilling process \(VmHWM\): ([0-9.]+) MiB", line)
    if m:
        mib = float(m.group(1))
        add(AREA, "peak memory of the backfilling process (VmHWM)", "< 64 MiB", f"{mib:.1f} MiB",
            f"{mib / 64:.2f}", "PASS" if mib < 64 else "FAIL")
if not found:
    missing(AREA, "cargo bench -p zonetrail-ingest --bench backfill")

# api: its table (filter, load, requests, req/s, p50, p90, p99, target, result and, when
# printed, CPU per request of MariaDB and of the API and round trips per request), one row per
# filter and load shape (1 client; 50 clients with think time; 50 closed-loop clients)
text = read("api")
found = False
for line in (text or "").splitlines():
    m = re.match(r"^(zone\+type|q-rare|q|value)\s+(1 client|think \S+|closed)\s+(\d+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+< (\d+)\s+(PASS|FAIL)"
                 r"(?:\s+([0-9.]+) ms\s+([0-9.]+) ms\s+([0-9.]+))?", line)
    if m:
        found = True
        kind, load, reqs, rps, p50, p90, p99, target, verdict, db_cpu, api_cpu, trips = m.groups()
        # Where the CPU went, when the run printed it (api/bench/run.sh's last three columns).
        cost = f"; CPU per request: MariaDB {db_cpu} ms, API {api_cpu} ms; {trips} round trips" if trips else ""
        add("api (1M record sets, MariaDB)", f"GET /api/records by {kind}, {load}: p99 ({float(rps):,.0f} req/s, p50 {p50} ms{cost})", f"< {target} ms",
            f"{float(p99):.1f} ms", f"{float(p99) / float(target):.2f}", verdict)
        continue
    # After a closed-loop row: the best its CPU cost allows (the cores' ceiling, and the least
    # mean latency of the clients by Little's law), as a row of its own.
    b = re.match(r"^\s+bound: .* = ([0-9.]+) req/s at most; (\d+) clients then wait >= ([0-9.]+) ms on average", line)
    if b and found:
        rate, clients, wait = b.groups()  # kind and target: of the row just above
        add("api (1M record sets, MariaDB)", f"GET /api/records by {kind}, closed: least mean latency its CPU cost allows "
            f"({clients} clients / {float(rate):,.0f} req/s, the cores' ceiling)", f"< {target} ms", f"{float(wait):.1f} ms",
            f"{float(wait) / float(target):.2f}", "-")
    f = re.search(r"database floor, zone\+type page .*?: ([0-9.]+) ms of MariaDB CPU a statement; at that alone (\d+) cores serve at most (\d+) pages", line)
    if f:
        ms, cores, pages = f.groups()
        add("api (1M record sets, MariaDB)", f"reference: MariaDB CPU of the zone+type page's statement alone, from the mariadb client "
            f"({cores} cores then serve at most {int(pages):,} pages/s)", "-", f"{float(ms):.3f} ms")
if not found:
    missing("api (1M record sets, MariaDB)", "api/bench/run.sh")

# timetravel: TIMETRAVEL<TAB>figure<TAB>measured<TAB>unit<TAB>target<TAB>result, one line per
# figure (api/benches/timetravel.rs)
text = read("timetravel")
found = False
for line in (text or "").splitlines():
    parts = line.split("\t")
    if len(parts) == 6 and parts[0] == "TIMETRAVEL":
        found = True
        _, figure, measured, unit, target, verdict = parts
        value = float(measured)
        bound = re.match(r"^[<>]=? ([0-9.]+)$", target)
        ratio = f"{value / float(bound.group(1)):.2f}" if bound and float(bound.group(1)) else "-"
        shown = f"{value:,.0f} {unit}" if unit == "sets/s" else f"{value:,.3f} {unit}" if unit == "s" else f"{value:,.1f} {unit}"
        add("time travel (1M record sets, 5M history entries, MariaDB)", figure,
            "-" if target == "-" else f"{target} {unit}", shown, ratio, verdict)
if not found:
    missing("time travel (1M record sets, 5M history entries, MariaDB)", "cargo bench -p zonetrail-api --features fixture --bench timetravel")

# latency: RESULT event_to_visible_p99_ms=NN p50_ms=NN max_ms=NN n=200 failed=0 target_p99_ms=500
text = read("latency")
m = re.search(r"^RESULT (.*)$", text or "", re.M)
if m:
    f = dict(kv.split("=", 1) for kv in m.group(1).split())
    p99, target = float(f["event_to_visible_p99_ms"]), float(f.get("target_p99_ms", 500))
    ok = p99 < target and f.get("failed", "0") == "0"
    add("event to visible (zonetrail up)", f"p99 over {f.get('n')} events (p50 {f.get('p50_ms')} ms, failed {f.get('failed')})", f"< {target:.0f} ms",
        f"{p99:.0f} ms", f"{p99 / target:.2f}", "PASS" if ok else "FAIL")
else:
    missing("event to visible (zonetrail up)", "scripts/bench-latency")

# notify: NOTIFY<TAB>figure<TAB>measured<TAB>unit<TAB>target<TAB>result, one line per figure
# (writer/benches/notify.rs: the writer with publishing on and off; scripts/benchmarks/
# notify_latency.py: event to webhook, and each change delivered exactly once)
text = read("notify")
found = set()
for line in (text or "").splitlines():
    parts = line.split("\t")
    if len(parts) == 6 and parts[0] == "NOTIFY":
        _, figure, measured, unit, target, verdict = parts
        value = float(measured)
        found.add("webhook" if "webhook" in figure or unit == "changes" else "writer")
        bound = re.match(r"^[<>]=? ([0-9.]+)$", target)
        ratio = f"{value / float(bound.group(1)):.2f}" if bound and float(bound.group(1)) else "-"
        shown = f"{value:,.0f} {unit}" if unit in ("sets/s", "changes") else f"{value:,.3f} {unit}" if unit == "s" else f"{value:,.1f} {unit}"
        area = "notifications (zonetrail up --notify-webhook, SQLite)" if "webhook" in figure or unit == "changes" else "notifications: writer with publishing on / off"
        add(area, figure, "-" if target == "-" else f"{target.replace('<=', '≤')} {unit}", shown, ratio, verdict)
if "writer" not in found:
    missing("notifications: writer with publishing on / off", "cargo bench -p zonetrail-writer --bench notify")
if "webhook" not in found:
    missing("notifications (zonetrail up --notify-webhook, SQLite)", "scripts/bench-notify")

# findings: FINDINGS<TAB>figure<TAB>measured<TAB>unit<TAB>target<TAB>result, one line per figure
# (writer/benches/findings.rs: evaluate_all over the inventory, the writer with findings on and
# off, change and resource event to finding opened)
text = read("findings")
found = False
for line in (text or "").splitlines():
    parts = line.split("\t")
    if len(parts) == 6 and parts[0] == "FINDINGS":
        _, figure, measured, unit, target, verdict = parts
        found = True
        value = float(measured)
        bound = re.match(r"^[<>]=? ([0-9.]+)$", target)
        ratio = f"{value / float(bound.group(1)):.2f}" if bound and float(bound.group(1)) else "-"
        shown = f"{value:,.0f} {unit}" if unit == "sets/s" else f"{value:,.1f} {unit}"
        area = "findings: " + ("evaluate_all" if "evaluate_all" in figure or "floor" in figure else "writer with findings on / off" if "writer" in figure else "change to finding opened")
        add(area, figure, "-" if target == "-" else f"{target.replace('<=', '≤')} {unit}", shown, ratio, verdict)
if not found:
    missing("findings", "scripts/bench-findings")

# lambda: SIZE lines from scripts/bench, INIT lines from lambda_init.py
text = read("lambda") or ""
build = re.search(r"^BUILD (.*)$", text, re.M)
kind = build.group(1) if build else "unknown build"
sizes = re.findall(r"^SIZE binary=(\S+) bytes=(\d+) zip_bytes=(\d+)$", text, re.M)
inits = re.findall(r"^INIT binary=(\S+) median_ms=([0-9.]+) min_ms=([0-9.]+) max_ms=([0-9.]+) runs=(\d+)$", text, re.M)
area = "Lambda binaries (arm64)" if kind.startswith("cargo lambda") else "Lambda binaries (x86_64)"
for name, size, zipped in sizes:
    mb, zmb = int(size) / 1e6, int(zipped) / 1e6
    add(area, f"{name}: size (zipped {zmb:.1f} MB)", "none set; Lambda allows 50 MB zipped", f"{mb:.1f} MB", f"{zmb / 50:.2f} (zip / 50 MB)", "PASS" if zmb < 50 else "FAIL")
for name, med, lo, hi, runs in inits:
    # Cold init always runs an x86_64 build (this machine cannot run an arm64 one).
    add("Lambda binaries (x86_64)", f"{name}: cold init, process start to first /next (min {lo}, max {hi} ms, {runs} runs)", "none set", f"{float(med):.0f} ms", "-", "-")
if not sizes:
    missing("Lambda binaries", "the Lambda build")

status = {}
if os.path.exists(os.path.join(logdir, "status.tsv")):
    for line in open(os.path.join(logdir, "status.tsv")):
        step, rc, secs = line.rstrip("\n").split("\t")
        status[step] = (rc, secs)


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return "?"


READING = """
## Reading the table

- **writer.** Each record set the writer applies is a `record_sets` row, its `record_values`
  rows and, when it changes, a `record_changes` row (history), in one transaction per message;
  and a `record_observations` row per record it observed (what lets a late message find its
  place in the history). "1 at a time" applies one message after the other; "4 at once" four
  messages concurrently, as the Lambda handler applies a batch. "Redelivery" applies the same
  messages again (nothing to write); "next sweep" is a new sweep with the same content, which
  moves every record's `observed_at`. The "server floor" rows write exactly the rows of a
  fresh sweep, and of the next unchanged sweep, blind (multi-row statements, one transaction
  per message, no reads, no checks); the LOAD DATA rows have the server's bulk loader write a
  fresh sweep's rows from files, with no statement per row and no client work at all, from one
  and two connections: no writer keeping this schema can be faster on this server. Where a
  target is above these floors, it is out of reach on this machine without writing fewer rows
  or indexes per record. The baseline is a cron script's statement, one autocommitted
  `INSERT ... ON DUPLICATE KEY UPDATE` per record, on its first run and on the runs after;
  each ratio compares a workload with the baseline doing the same job.
- **api.** "1 client" is the service time. "think 100ms" is 50 clients that pause between
  requests as people do. "closed" is 50 clients that send the next request the moment the last
  one answered: on 2 cores shared by the API, MariaDB and wrk the CPUs saturate and p99 is
  mostly queueing (latency = clients / throughput). The CPU per request (MariaDB's and the
  API's, from /proc) and the round trips per request to MariaDB (statements and pings) say
  what a request costs: the 2 cores allow at most 2 s / (MariaDB + API + wrk) requests a
  second. The "least mean latency" row under each closed-loop one is that bound (wrk left
  out): 50 clients over the cores' ceiling. Where it is at or above 25 ms, no p99 under 25 ms
  is possible at that cost per request on this machine.
- **Lambda.** Cold init is measured on x86_64 here; the deployed functions are arm64
  (`cargo lambda build --arm64`, `ZONETRAIL_BENCH_LAMBDA=cargo-lambda`).
"""

cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
mem = sh("awk '/MemTotal/ { printf \"%.1f GiB\", $2 / 1048576 }' /proc/meminfo")
with open(out, "w") as f:
    f.write("# Benchmarks\n\n")
    f.write("Written by `scripts/bench` (every benchmark of the issues, in one run on one machine). ")
    f.write("Ratios are measured / target: above 1 is better for a rate, below 1 is better for a time or a size. ")
    # The hand-written account of the runs lives in its own file, which this script never writes.
    f.write("What past runs showed, and why a figure missed its target, is in [benchmarks-notes.md](benchmarks-notes.md).\n\n")
    f.write(f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC\n")
    f.write(f"- machine: {sh('nproc')} CPUs ({cpu}), {mem} RAM, {platform.system()} {platform.release()}, {sh('rustc --version')}\n")
    f.write(f"- MariaDB: {sh('mariadb --version')}\n")
    f.write(f"- commit: {sh('git rev-parse --short HEAD')}\n")
    f.write(f"- load average when the table was written: {' '.join(open('/proc/loadavg').read().split()[:3])} (other work on the machine during the run inflates times)\n\n")
    f.write("| area | figure | target | measured | ratio | result |\n|---|---|---|---|---|---|\n")
    for r in rows:
        f.write("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |\n")
    f.write("\n## How each figure was measured\n\n")
    commands = [
        ("writer", "`cargo bench -p zonetrail-writer --bench writer` (100,000 record sets in one zone, one message at a time and 4 at once; baseline: one INSERT ... ON DUPLICATE KEY UPDATE per record)"),
        ("sweep", "`cargo bench -p zonetrail-ingest --bench sweep` (the fake Route 53 in a child process enforcing R = 20 requests/s)"),
        ("backfill", "`cargo bench -p zonetrail-ingest --bench backfill` (10,000 events in the fake CloudTrail, which enforces LookupEvents' 2 requests/s; the backfill applied to an in-memory queue)"),
        ("api", "`api/bench/run.sh` (1,000,000 generated record sets in MariaDB; the API's name index built first; wrk from a second process over loopback: 1 client, 50 clients with 100 ms think time, 50 closed-loop clients; 20 s per filter and load after a warm-up)"),
        ("timetravel", "`cargo bench -p zonetrail-api --features fixture --bench timetravel` (1,000,000 generated record sets with 5,000,000 history entries over 95 days in MariaDB, after every migration; as_of pages of 100 by zone and type at random times of the last 90 days, one client; the diff over 90 days and the zone file of a 10,000-record zone; the writer's event messages with migration 10's indexes, without them and with them again)"),
        ("latency", "`scripts/bench-latency` (zonetrail up on SQLite, moto; 200 changes, each posted as its CloudTrail event, timed until GET /api/records shows it)"),
        ("notify", "`scripts/bench-notify`: `cargo bench -p zonetrail-writer --bench notify` (5,000 record sets created then updated by event messages of 10, on a fresh database per run, with the outbox and a publisher draining it to an in-process sink against neither; 3 runs each way, alternated; SQLite one message at a time, MariaDB 4 at once), then zonetrail up --notify-webhook on SQLite with moto and a webhook receiver on loopback: 500 changes, each posted as its CloudTrail event and timed until the receiver got it"),
        ("findings", "`scripts/bench-findings`: `cargo bench -p zonetrail-writer --bench findings` (1,000,000 generated record sets with the resources and listings they imply, evaluate_all twice; the writer's event messages and a sweep's pages with Findings::evaluate after each batch of 10 against without, on a base inventory of 20,000, 3 runs each way alternated; 300 dangling records and 300 EIPs released, each applied and evaluated until its finding is open; SQLite and MariaDB)"),
        ("lambda", "`scripts/bench lambda`: the four Lambda binaries built as stated in the table; cold init is the time from exec to the first GET /2018-06-01/runtime/invocation/next on a fake Lambda Runtime API on loopback (`scripts/benchmarks/lambda_init.py`), with the database on local MariaDB"),
    ]
    for step, how in commands:
        rc, secs = status.get(step, ("not run", "-"))
        f.write(f"- **{step}**: {how}; exit status {rc}, {secs} s.\n")
    f.write(f"\nThe Lambda binaries: {kind}.\n")
    f.write(READING)
    # The writer decision is measured by scripts/bench-writer-decision, not here; its figures
    # are kept in the notes.
    f.write("\n## The writer decision (issue 15)\n\n")
    f.write("Measured by `scripts/bench-writer-decision` (the blob-keeping writer against plain ")
    f.write("`record_observations` rows), not by this script: see the figures and the decision in ")
    f.write("[benchmarks-notes.md](benchmarks-notes.md#2026-12-02-the-writer-decision-issue-15).\n")
print(open(out).read())
