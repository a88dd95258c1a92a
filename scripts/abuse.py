#!/usr/bin/env python3
"""Hostile-load harness for `hexspot serve` (loopback only, bounded in time and count).

Starts the server on a database, then, one scenario at a time, attacks it while a
well-behaved client measures what normal requests get:

  slow-headers  N connections that send a request's headers a byte a second
  slow-bodies   N uploads whose bodies trickle in a byte a second
  overload      4 x the server's computation slots of distinct uncached queries at once
  abandon       heavy distinct queries whose clients give up after 0.3 s: the server's
                CPU in the seconds after they left (their work is cancelled, not finished)
  sigterm       SIGTERM while requests are in flight: exit time, every complete request
                answered
  kill-9        `hexspot import` killed with SIGKILL at a random moment, again and
                again, on a copy of the database: after each, SQLite's integrity check,
                and the incidents counted equal the rows the listed imports hold (an
                import is there whole or not at all; nothing lost or doubled)

and prints the figures (p50/p99 of /healthz and of a cached tile while under attack,
how the attackers were answered, exit time). Standard library only.

    scripts/abuse.py --bin target/release/hexspot --db out/load/load.db [--short]
        [--heavy 'res=12&k=1'] [--max-memory-mib 2048]

--short (CI) uses smaller counts and shorter waits. Exit status 1 when a target is
missed: normal requests' p99 over 50 ms or any of them failing, an overflow answered
slower than 100 ms or other than 503, abandoned work still using more than a fifth of
a core, a peak RSS over --max-memory-mib, or SIGTERM not ending the process within its deadline.
"""

import argparse
import glob
import http.client
import json
import os
import random
import shutil
import sqlite3
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

HOST = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def get(port, path, timeout=10.0):
    """(status, seconds) of one GET on a new connection; status 0 on a socket error."""
    t = time.perf_counter()
    try:
        c = http.client.HTTPConnection(HOST, port, timeout=timeout)
        c.request("GET", path, headers={"Host": f"{HOST}:{port}"})
        r = c.getresponse()
        r.read()
        c.close()
        return r.status, time.perf_counter() - t
    except OSError:
        return 0, time.perf_counter() - t


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def probe(port, paths, n):
    """Latencies of n normal requests spread over paths, and how many failed."""
    lat, failed = [], 0
    for i in range(n):
        status, dt = get(port, paths[i % len(paths)])
        if status == 200 or status == 204:
            lat.append(dt)
        else:
            failed += 1
        time.sleep(0.01)
    return lat, failed


class Server:
    def __init__(self, binary, db, shutdown_secs, max_memory_mib=None):
        self.port = free_port()
        env = dict(os.environ, RUST_LOG="warn")
        memory = ["--max-memory-mib", str(max_memory_mib)] if max_memory_mib else []
        self.proc = subprocess.Popen(
            [binary, "serve", "--db", db, "--addr", f"{HOST}:{self.port}",
             "--watch-secs", "0", "--shutdown-secs", str(shutdown_secs)] + memory,
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(300):
            if get(self.port, "/readyz", 1.0)[0] == 200:
                return
            time.sleep(0.1)
        self.stop()
        sys.exit("the server did not become ready in 30 s")

    def peak_rss_mib(self):
        """The process's peak resident memory so far (VmHWM), in MiB."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def hold(port, n, payload, every, seconds):
    """n connections each sending payload a byte every `every` seconds for `seconds`;
    returns the sockets' fates: answered (the first bytes back), closed, still open."""
    fates = {"answered": 0, "closed": 0, "open": 0}
    lock = threading.Lock()

    def one():
        fate = "open"
        try:
            s = socket.create_connection((HOST, port), timeout=seconds + 5)
            s.settimeout(every)
            end = time.monotonic() + seconds
            for b in payload:
                if time.monotonic() > end:
                    break
                try:
                    s.sendall(bytes([b]))
                except OSError:
                    fate = "closed"
                    break
                try:
                    data = s.recv(64)
                    fate = "answered" if data else "closed"
                    break
                except socket.timeout:
                    continue
                except OSError:
                    fate = "closed"
                    break
            s.close()
        except OSError:
            fate = "closed"
        with lock:
            fates[fate] += 1

    threads = [threading.Thread(target=one, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    return threads, fates


def kill9(binary, db, rounds, files):
    """Kills imports at random moments; returns (rounds survived intact, messages)."""
    work = db + ".kill9"
    shutil.copy(db, work)
    rng = random.Random(9)
    bad = []
    cut = 0
    before = None
    for i in range(rounds):
        f = files[i % len(files)]
        p = subprocess.Popen([binary, "import", "--db", work, f],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.01, 0.4))
        p.send_signal(signal.SIGKILL)
        p.wait()
        listed = subprocess.run([binary, "imports", "--db", work], capture_output=True, text=True)
        held, n = 0, 0
        for line in listed.stdout.splitlines():
            cells = [c.strip() for c in line.strip("│ ").split("   ") if c.strip()]
            if cells and cells[0].isdigit():
                held += int(cells[4])
                n += 1
        if before is not None and n == before:
            cut += 1
        before = n
        out = subprocess.run([binary, "hotspots", "--db", work, "--top", "1", "--format", "geojson"],
                             capture_output=True, text=True)
        counted = json.loads(out.stdout)["hexspot"]["incidents"]["counted"] if out.returncode == 0 else None
        with sqlite3.connect(work) as c:
            integrity = c.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok" or counted != held:
            bad.append(f"round {i}: integrity {integrity}, counted {counted}, imports hold {held}")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(work + suffix):
            os.remove(work + suffix)
    shutil.rmtree(work + ".uploads", ignore_errors=True)
    return rounds - len(bad), cut, bad


def report(name, lat, failed, extra):
    print(f"{name:13s} normal requests: {len(lat) + failed}, failed {failed}, "
          f"p50 {pct(lat, 50) * 1000:.1f} ms, p99 {pct(lat, 99) * 1000:.1f} ms; {extra}")
    return failed == 0 and pct(lat, 99) <= 0.050


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/hexspot")
    ap.add_argument("--db", required=True)
    ap.add_argument("--short", action="store_true")
    ap.add_argument("--heavy", default="res=12&k=9",
                    help="a query that takes seconds on this database (the abandon scenario)")
    ap.add_argument("--max-memory-mib", type=int, default=1024,
                    help="the server's memory ceiling; its peak RSS must stay under it")
    a = ap.parse_args()
    short = a.short
    ok = True
    server = Server(a.bin, a.db, shutdown_secs=3 if short else 10, max_memory_mib=a.max_memory_mib)
    port = server.port
    tile = "/tiles/hotspots/12/2030/1319?res=9"
    normal = ["/healthz", tile]
    try:
        get(port, tile)  # cached from now on
        probes = 100 if short else 400

        # slow headers
        n = 100 if short else 500
        wait = 6 if short else 20
        line = f"GET /healthz HTTP/1.1\r\nHost: {HOST}:{port}\r\nX-Pad: {'a' * 200}\r\n\r\n"
        threads, fates = hold(port, n, line.encode(), 1.0, wait)
        time.sleep(1)
        lat, failed = probe(port, normal, probes)
        for t in threads:
            t.join()
        ok &= report("slow-headers", lat, failed,
                     f"{n} attackers: {fates['closed']} cut off, {fates['open']} still open after {wait} s")

        # slow bodies
        n = 60 if short else 300
        head = (f"POST /api/v1/imports?name=slow.csv HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
                "Content-Type: text/csv\r\nContent-Length: 100000\r\n\r\n").encode()
        body = head + b"Crime ID,Month\n" * 100

        def slow_body(fates, lock):
            try:
                s = socket.create_connection((HOST, port), timeout=30)
                s.sendall(head)
                s.settimeout(1.0)
                got = b""
                for b in body[len(head):]:
                    try:
                        s.sendall(bytes([b]))
                        got = s.recv(64)
                        if got:
                            break
                    except socket.timeout:
                        continue
                    except OSError:
                        break
                s.close()
                code = got[9:12].decode() if got.startswith(b"HTTP/1.1 ") else "closed"
            except OSError:
                code = "closed"
            with lock:
                fates[code] = fates.get(code, 0) + 1

        fates, lock = {}, threading.Lock()
        threads = [threading.Thread(target=slow_body, args=(fates, lock), daemon=True) for _ in range(n)]
        for t in threads:
            t.start()
        time.sleep(1)
        lat, failed = probe(port, normal, probes)
        for t in threads:
            t.join(timeout=40)
        ok &= report("slow-bodies", lat, failed, f"{n} uploads answered: {dict(sorted(fates.items()))}")

        # overload: distinct uncached queries, 4 x the computation slots, at once
        n = 4 * (os.cpu_count() or 2) * (2 if short else 8)
        answers, lock = [], threading.Lock()

        def query(i):
            status, dt = get(port, f"/api/v1/hotspots?res=10&k={1 + i % 5}&alpha={0.01 + i / 10000:.4f}&top=5", 60)
            with lock:
                answers.append((status, dt))

        threads = [threading.Thread(target=query, args=(i,), daemon=True) for i in range(n)]
        for t in threads:
            t.start()
        lat, failed = probe(port, normal, probes // 2)
        for t in threads:
            t.join()
        shed = [dt for s, dt in answers if s == 503]
        served = [dt for s, dt in answers if s == 200]
        other = [s for s, _ in answers if s not in (200, 503)]
        shed_ok = not other and (not shed or max(shed) <= 0.100)
        ok &= report("overload", lat, failed,
                     f"{n} distinct new queries: {len(served)} answered (p50 {pct(served, 50) * 1000:.0f} ms), "
                     f"{len(shed)} shed with 503 (slowest {max(shed, default=0) * 1000:.1f} ms), other {other}") and shed_ok

        # abandon: heavy queries whose clients leave; their work must stop with them
        full = get(port, f"/api/v1/hotspots?{a.heavy}&alpha=0.0199&top=5", 60)
        n = 2 * (os.cpu_count() or 2)
        threads = [threading.Thread(
            target=get, args=(port, f"/api/v1/hotspots?{a.heavy}&alpha={0.02 + i / 10000:.4f}&top=5", 0.3),
            daemon=True) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        time.sleep(0.2)
        ticks = os.sysconf("SC_CLK_TCK")
        cpu = lambda: sum(int(v) for v in open(f"/proc/{server.proc.pid}/stat").read().rsplit(")", 1)[1].split()[11:13])
        c0, w = cpu(), 2.0
        time.sleep(w)
        busy_share = (cpu() - c0) / ticks / w
        print(f"{'abandon':13s} one such query takes {full[1]:.2f} s ({full[0]}); after {n} clients gave up at 0.3 s "
              f"the server used {busy_share * 100:.0f} % of a core over the next {w:.0f} s")
        ok &= full[0] == 200 and busy_share <= 0.2

        peak = server.peak_rss_mib()
        print(f"{'memory':13s} peak RSS {peak:.0f} MiB so far, ceiling --max-memory-mib {a.max_memory_mib}")
        ok &= peak <= a.max_memory_mib

        # SIGTERM under load
        done, lock = [], threading.Lock()

        def busy(i):
            status, _ = get(port, f"/api/v1/hotspots?res=9&k={1 + i % 3}&top={1 + i}", 30)
            with lock:
                done.append(status)

        threads = [threading.Thread(target=busy, args=(i,), daemon=True) for i in range(40)]
        for t in threads:
            t.start()
        time.sleep(0.05)
        # and a half-sent request that would hold a plain graceful shutdown for ever
        stuck = socket.create_connection((HOST, port))
        stuck.sendall(b"GET /healthz HTTP/1.1\r\nHo")
        t0 = time.perf_counter()
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
        exit_s = time.perf_counter() - t0
        for t in threads:
            t.join(timeout=5)
        stuck.close()
        deadline = 3 if short else 10
        answered = sum(1 for s in done if s in (200, 503))
        print(f"{'sigterm':13s} exited {server.proc.returncode} after {exit_s:.2f} s (deadline {deadline} s); "
              f"{answered} of {len(done)} requests that completed were answered (others: {[s for s in done if s not in (200, 503)]})")
        ok &= server.proc.returncode == 0 and exit_s <= deadline + 2
    finally:
        server.stop()

    files = sorted(glob.glob("../shared/data/crime/leicestershire/*.csv")) or sorted(glob.glob("data/police-uk/*.csv"))
    rounds = 5 if short else 50
    intact, cut, bad = kill9(a.bin, a.db, rounds, files)
    print(f"{'kill-9':13s} {rounds} imports killed at random moments ({cut} before their commit): {intact} left the store intact "
          f"(integrity ok, every listed import whole){''.join(chr(10) + '  ' + b for b in bad)}")
    ok &= not bad
    print("all targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
