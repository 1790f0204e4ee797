#!/usr/bin/env python3
"""A login flood against `nasguard serve`, with an authenticated poller.

300 wrong-password logins at once, spread over 20 account names and 10
loopback source addresses (127.0.1.1-10), while one client with a bearer
token polls GET /api/v1/audit. Prints how many guesses were answered 401
(checked) and 429 (refused before any check), how many "login failed" events
the server recorded, and the poller's latency percentiles during the flood.

Usage: login_flood.py PORT TOKEN STATE_DIR NASGUARD_BIN
"""
import http.client
import json
import subprocess
import sys
import threading
import time
import urllib.parse

port, token, state, nasguard = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
NAMES, ADDRESSES, GUESSES = 20, 10, 300
PER_ACCOUNT, PER_ADDRESS = 5, 20

statuses = []
lock = threading.Lock()
start = threading.Barrier(GUESSES + 1)


def guess(i):
    body = urllib.parse.urlencode({"username": f"user{i % NAMES}", "password": f"wrong {i}"})
    source = (f"127.0.1.{1 + i % ADDRESSES}", 0)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=source)
    start.wait()
    try:
        conn.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
        status = conn.getresponse().status
    except OSError as e:
        status = f"error {e}"
    with lock:
        statuses.append(status)


latencies = []
stop = threading.Event()


def poll():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while not stop.is_set():
        t = time.perf_counter()
        conn.request("GET", "/api/v1/audit", headers={"Authorization": f"Bearer {token}"})
        r = conn.getresponse()
        r.read()
        latencies.append(time.perf_counter() - t)
        if r.status != 200:
            print("poller got", r.status, file=sys.stderr)
        time.sleep(0.005)


poller = threading.Thread(target=poll)
poller.start()
time.sleep(0.5)  # the poller's baseline
threads = [threading.Thread(target=guess, args=(i,)) for i in range(GUESSES)]
for t in threads:
    t.start()
began = time.perf_counter()
flood_from = len(latencies)
start.wait()
for t in threads:
    t.join()
flood_secs = time.perf_counter() - began
flood = latencies[flood_from:]
stop.set()
poller.join()

log = json.loads(subprocess.run([nasguard, "log", "--json", "--limit", "100000"], env={"NASGUARD_STATE_DIR": state},
                                capture_output=True, check=True).stdout)
failed_events = sum(1 for e in log["events"] if e["action"] == "login failed")
checked = statuses.count(401)
limit = min(NAMES * PER_ACCOUNT, ADDRESSES * PER_ADDRESS)
flood.sort()
pct = lambda q: flood[min(len(flood) - 1, int(q * len(flood)))] * 1000
print(f"login flood: {GUESSES} wrong passwords at once over {NAMES} names and {ADDRESSES} addresses, "
      f"finished in {flood_secs:.2f} s")
print(f"  checked (401): {checked}, refused before checking (429): {statuses.count(429)}, "
      f"other: {[s for s in statuses if s not in (401, 429)]}; 'login failed' events: {failed_events}; "
      f"limit: {PER_ACCOUNT} per name, {PER_ADDRESS} per address")
print(f"  poller GET /api/v1/audit during the flood: {len(flood)} requests, p50 {pct(0.5):.2f} ms, "
      f"p99 {pct(0.99):.2f} ms, max {flood[-1] * 1000:.2f} ms")
ok = checked == failed_events and all(s in (401, 429) for s in statuses) and pct(0.99) < 100
# Every name got at most 5 checks, every address at most 20: never more than the smaller total.
ok = ok and checked <= limit
print("  verdict:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
