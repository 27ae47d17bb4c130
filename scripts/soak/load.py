#!/usr/bin/env python3
"""Soak load for the read API: a fixed request rate from this (second) process over loopback,
while the server's resident memory is sampled from /proc. Standard library only.

    load.py --base http://127.0.0.1:PORT --pid SERVER_PID --rate 200 --seconds 600 \
            --queries queries.tsv [--sample-every 5]

Requests rotate over the API a dashboard uses: /api/records with the sample filters
(queries.tsv: "kind<TAB>query string" lines), a second page by cursor, one record and its
history, /api/stats, /api/zones, /api/changes, a CSV export, /healthz. Every answer must be
2xx. Prints progress lines and, last, one machine-readable line:

    ZTSOAK requests=N errors=N non2xx=N rate=R p50_ms=X p99_ms=X max_ms=X late=N
           rss_first_mb=X rss_last_mb=X rss_max_mb=X rss_slope_mb_per_min=X duration_s=X
"""
import argparse, http.client, json, random, statistics, sys, threading, time, urllib.parse


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS")


def slope_per_min(samples):
    """Least-squares slope of (seconds, MB) samples, in MB per minute."""
    if len(samples) < 3:
        return 0.0
    xs = [t for t, _ in samples]
    ys = [m for _, m in samples]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return 0.0 if den == 0 else 60.0 * sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den


def paths(base, queries):
    host = urllib.parse.urlsplit(base).netloc
    conn = http.client.HTTPConnection(host, timeout=10)
    conn.request("GET", "/api/records?limit=50")
    page = json.loads(conn.getresponse().read())
    ids = [item["id"] for item in page["items"]] or [1]
    conn.request("GET", "/api/zones")
    zones = [z["zone_id"] for z in json.loads(conn.getresponse().read())["items"]]
    conn.close()
    out = [f"/api/records?{q}" for q in queries]
    out += [f"/api/records?{q}&limit=20" for q in queries[:50]]
    if page.get("next_cursor"):
        out.append(f"/api/records?limit=50&cursor={urllib.parse.quote(page['next_cursor'])}")
    for i in ids[:20]:
        out += [f"/api/records/{i}", f"/api/records/{i}/history"]
    out += ["/api/stats", "/api/zones", "/api/changes?limit=50", "/healthz"]
    out += [f"/api/records.csv?zone={z}&type=TXT" for z in zones[:3]]
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base", required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--rate", type=float, default=200)
    p.add_argument("--seconds", type=float, default=600)
    p.add_argument("--queries", required=True)
    p.add_argument("--sample-every", type=float, default=5)
    p.add_argument("--workers", type=int, default=24)
    a = p.parse_args()

    with open(a.queries) as f:
        queries = [line.rstrip("\n").split("\t", 1)[1] for line in f if "\t" in line]
    targets = paths(a.base, queries)
    host = urllib.parse.urlsplit(a.base).netloc
    lock = threading.Lock()
    state = {"next": 0, "requests": 0, "errors": 0, "non2xx": 0, "late": 0, "bad": []}
    latencies = []
    start = time.monotonic() + 0.5
    end = start + a.seconds
    total = int(a.rate * a.seconds)

    def worker(seed):
        rng = random.Random(seed)
        conn = http.client.HTTPConnection(host, timeout=10)
        while True:
            with lock:
                i = state["next"]
                state["next"] += 1
            if i >= total:
                break
            due = start + i / a.rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            elif now - due > 0.1:
                with lock:
                    state["late"] += 1
            path = targets[rng.randrange(len(targets))]
            t0 = time.monotonic()
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except Exception as e:  # a reset, a timeout: an error, and a new connection
                conn.close()
                conn = http.client.HTTPConnection(host, timeout=10)
                with lock:
                    state["requests"] += 1
                    state["errors"] += 1
                    if len(state["bad"]) < 5:
                        state["bad"].append(f"{path}: {e!r}")
                continue
            ms = (time.monotonic() - t0) * 1000
            with lock:
                state["requests"] += 1
                latencies.append(ms)
                if not 200 <= status < 300:
                    state["non2xx"] += 1
                    if len(state["bad"]) < 5:
                        state["bad"].append(f"{path}: HTTP {status}")
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(a.workers)]
    for t in threads:
        t.start()
    samples = []
    next_sample = start
    next_report = start + 60
    while any(t.is_alive() for t in threads):
        now = time.monotonic()
        if now >= next_sample:
            samples.append((now - start, rss_mb(a.pid)))
            next_sample += a.sample_every
        if now >= next_report:
            with lock:
                print(f"[soak] {now - start:5.0f} s: {state['requests']} requests, {state['errors']} errors, "
                      f"{state['non2xx']} non-2xx, RSS {samples[-1][1]:.1f} MB", flush=True)
            next_report += 60
        time.sleep(0.05)
    samples.append((time.monotonic() - start, rss_mb(a.pid)))
    duration = time.monotonic() - start

    latencies.sort()
    pct = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0
    # Memory after the first fifth (pools, caches and the allocator settle in), fitted by a line.
    settled = [s for s in samples if s[0] >= a.seconds / 5] or samples
    for line in state["bad"]:
        print(f"[soak] failed: {line}", file=sys.stderr)
    print("ZTSOAK requests=%d errors=%d non2xx=%d rate=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f late=%d "
          "rss_first_mb=%.1f rss_settled_mb=%.1f rss_last_mb=%.1f rss_max_mb=%.1f rss_slope_mb_per_min=%.3f samples=%d duration_s=%.1f"
          % (state["requests"], state["errors"], state["non2xx"], state["requests"] / duration, pct(0.5), pct(0.99),
             latencies[-1] if latencies else 0.0, state["late"], samples[0][1], settled[0][1], samples[-1][1],
             max(m for _, m in samples), slope_per_min(settled), len(samples), duration), flush=True)


if __name__ == "__main__":
    main()
