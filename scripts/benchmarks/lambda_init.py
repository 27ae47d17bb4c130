#!/usr/bin/env python3
"""Cold init of a Lambda binary: the time from starting the process to its first
GET /2018-06-01/runtime/invocation/next on a small fake Lambda Runtime API on loopback —
the moment the function is ready for its first event. Standard library only.

    lambda_init.py --runs 5 --env KEY=VALUE ... -- BINARY

Prints one line per run and, last:  INIT binary=NAME median_ms=X min_ms=X max_ms=X runs=N
A binary that exits before asking for an event fails the measurement (its output is shown).
"""
import argparse, http.server, os, statistics, subprocess, sys, threading, time


class Runtime(http.server.BaseHTTPRequestHandler):
    polled = None  # threading.Event, set on the first /next

    def do_GET(self):
        if self.path.startswith("/2018-06-01/runtime/invocation/next"):
            Runtime.polled.set()
            # Hold the long poll, as Lambda does between events; the process is ended anyway.
            time.sleep(5)
        self.send_response(404)
        self.end_headers()

    def do_POST(self):  # an init error report
        length = int(self.headers.get("content-length", 0))
        sys.stderr.write("init error reported: %s\n" % self.rfile.read(length).decode(errors="replace"))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--env", action="append", default=[])
    p.add_argument("binary")
    a = p.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Runtime)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    name = os.path.basename(os.path.dirname(a.binary)) if os.path.basename(a.binary) == "bootstrap" else os.path.basename(a.binary)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:%d" % server.server_address[1],
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/" + name,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    env.update(kv.split("=", 1) for kv in a.env)
    times = []
    for run in range(a.runs):
        Runtime.polled = threading.Event()
        t0 = time.monotonic()
        proc = subprocess.Popen([a.binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        while not Runtime.polled.is_set() and proc.poll() is None and time.monotonic() - t0 < 30:
            Runtime.polled.wait(0.001)
        ms = (time.monotonic() - t0) * 1000
        ready = Runtime.polled.is_set()
        proc.kill()
        out = proc.communicate()[0].decode(errors="replace")
        if not ready:
            sys.stderr.write(out[-3000:])
            sys.exit("%s did not ask for an event within 30 s (exit %s)" % (name, proc.returncode))
        times.append(ms)
        print("%s run %d: ready in %.1f ms" % (name, run + 1, ms))
    print("INIT binary=%s median_ms=%.1f min_ms=%.1f max_ms=%.1f runs=%d" % (name, statistics.median(times), min(times), max(times), len(times)))


if __name__ == "__main__":
    main()
