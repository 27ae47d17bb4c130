"""The demo's webhook receiver: what `zonetrail up --notify-webhook URL` posts, one line each.

Listens on 127.0.0.1 (a free port), writes its URL to --url-file once it listens, and prints
every change event it receives as

    notification: alice created www.acme-corp.com. A in acme-corp.com. [123456789012]: 192.0.2.1

A burst of changes the sweep found (the first sweep finds every record set) is summed up once a
second instead of printed one by one. Standard library only; stops on SIGTERM or Ctrl-C.
"""

import argparse
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# More sweep findings than this within a second are summed up.
SWEEP_LINES_PER_SECOND = 3

lock = threading.Lock()
seen = set()
sweep_batch = []


def short_actor(arn):
    if not arn:
        return "someone"
    resource = arn.split(":", 5)[-1]
    kind, _, rest = resource.partition("/")
    if kind == "assumed-role":
        return rest
    return rest.rsplit("/", 1)[-1] or arn


def values(content):
    if not content:
        return "-"
    alias = content.get("alias_target")
    if alias:
        return f"alias {alias.get('dns_name')}"
    vals = content.get("values") or []
    text = ", ".join(vals) if vals else "(no values)"
    return text if len(text) <= 80 else text[:77] + "..."


def changed_settings(before, after):
    """What changed besides the values: the TTL or a routing setting (a weight shift, say)."""
    changes = []
    if before.get("ttl") != after.get("ttl"):
        changes.append(f"TTL {before.get('ttl')} → {after.get('ttl')}")
    rb, ra = before.get("routing") or {}, after.get("routing") or {}
    for k in sorted(set(rb) | set(ra)):
        if rb.get(k) != ra.get(k):
            changes.append(f"{k} {rb.get(k)} → {ra.get(k)}")
    return ", ".join(changes)


def line(event):
    source = event.get("source")
    who = "the sweep" if source in ("sweep", "reconcile") else short_actor(event.get("actor"))
    action = {"create": "created", "delete": "deleted"}.get(event.get("action"), "updated")
    what = f"{event.get('name')} {event.get('type')}"
    if event.get("set_identifier"):
        what += f" [{event['set_identifier']}]"
    zone = event.get("zone_name") or event.get("zone_id")
    account = event.get("account_name") or event.get("account_id") or "?"
    before, after = event.get("before"), event.get("after")
    if event.get("truncated"):
        change = "(too large to show)"
    elif before and after:
        change = f"{values(before)} → {values(after)}"
        if values(before) == values(after):
            change = changed_settings(before, after) or change
    elif after:
        change = values(after)
    else:
        change = f"was {values(before)}"
    return f"notification: {who} {action} {what} in {zone} [{account}]: {change}"


def finding_line(detail_type, finding):
    record = finding.get("record") or {}
    what = f"{record.get('name')} {record.get('type')}"
    if detail_type == "Finding Resolved":
        return f"notification: finding resolved: {finding.get('kind')} {what} ({finding.get('resolved_reason')})"
    return f"notification: finding opened: [{finding.get('severity')}] {finding.get('kind')} {what}: {finding.get('summary')}"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length)
        try:
            event = json.loads(body)
        except ValueError:
            self.send_response(400)
            self.end_headers()
            return
        self.send_response(200)
        self.end_headers()
        # Findings (`Finding Opened` / `Finding Resolved`) carry the finding, deduped by
        # (id, detail-type); changes carry the history entry, deduped by id.
        detail_type = self.headers.get("x-zonetrail-detail-type") or "DNS Record Changed"
        if detail_type.startswith("Finding "):
            with lock:
                if (event.get("id"), detail_type) in seen:
                    return
                seen.add((event.get("id"), detail_type))
            print(finding_line(detail_type, event), flush=True)
            return
        with lock:
            # At least once: a redelivery carries the same id.
            if event.get("id") in seen:
                return
            seen.add(event.get("id"))
            if event.get("source") in ("sweep", "reconcile"):
                sweep_batch.append(event)
                return
        print(line(event), flush=True)

    def log_message(self, *args):
        pass


def flush_sweep_findings(stop):
    while not stop.wait(1.0):
        with lock:
            batch = sweep_batch[:]
            sweep_batch.clear()
        if len(batch) <= SWEEP_LINES_PER_SECOND:
            for event in batch:
                print(line(event), flush=True)
        else:
            zones = sorted({e.get("zone_name") or e.get("zone_id") for e in batch})
            shown = ", ".join(zones[:3]) + (f" and {len(zones) - 3} more" if len(zones) > 3 else "")
            print(f"notification: the sweep found {len(batch)} changes in {shown} "
                  f"(e.g. {line(batch[0]).removeprefix('notification: ')})", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url-file", required=True, help="where to write the URL once listening")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    stop = threading.Event()
    flusher = threading.Thread(target=flush_sweep_findings, args=(stop,), daemon=True)
    flusher.start()

    def shutdown(*_):
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    host, port = server.server_address[:2]
    with open(args.url_file, "w") as f:
        f.write(f"http://{host}:{port}/notify\n")
    server.serve_forever()
    flusher.join(timeout=2)
    print(f"webhook receiver stopped: {len(seen)} notifications received", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
