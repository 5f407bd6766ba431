#!/usr/bin/env python3
"""Latency of the people search through the HTTP API: sequential requests
over one keep-alive connection, queries of every kind the search box takes.
Prints p50/p95/p99 per kind and overall (milliseconds).
    search_latency.py BASE_URL TOKEN [ROUNDS]"""
import http.client, json, sys, time, urllib.parse

base, token = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 100
host = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(host.hostname, host.port)
headers = {"Authorization": "Bearer " + token}

def get(path):
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise SystemExit(f"{path}: {r.status} {body[:200]!r}")
    return json.loads(body)

# Real values to look for, taken from the data.
total = get("/api/v1/people?limit=1")["total"]
sample = get(f"/api/v1/people?limit=200&offset={min(5000, total // 2)}")["items"]
kinds = {
    "hanzi name": [p["name"] for p in sample[:20]],
    "full pinyin": [],
    "initials": [],
    "phone part": [p["phone"][3:10] for p in sample[:20] if p.get("phone")],
    "wechat id": [p["wechat"][:9] for p in sample[:20] if p.get("wechat")],
    "organisation": [p["organisation_name"][:4] for p in sample[:20] if p.get("organisation_name")],
}
# Pinyin and initials as a person types them, from the search API's own
# normalisation: ask the server what it finds for the hanzi, keep names.
try:
    from pypinyin import lazy_pinyin  # optional
    kinds["full pinyin"] = ["".join(lazy_pinyin(n)) for n in kinds["hanzi name"]]
    kinds["initials"] = ["".join(x[0] for x in lazy_pinyin(n)) for n in kinds["hanzi name"]]
except ImportError:
    kinds["full pinyin"] = ["zhangwei", "wangfang", "liqiang", "chenjing", "liuyang", "yangfan", "zhaolei", "huangli"]
    kinds["initials"] = ["zw", "wf", "lq", "cj", "ly", "yf", "zl", "hl"]

all_times = []
print(f"{'query kind':<14} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}  (matches of the first query)")
for kind, queries in kinds.items():
    times = []
    matches = get("/api/v1/people?limit=50&q=" + urllib.parse.quote(queries[0]))["total"]
    for _ in range(rounds // len(queries) + 1):
        for q in queries:
            t0 = time.perf_counter()
            get("/api/v1/people?limit=50&q=" + urllib.parse.quote(q))
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    all_times += times
    pct = lambda p: times[min(len(times) - 1, int(len(times) * p))]
    print(f"{kind:<14} {len(times):>5} {pct(.5):>8.2f} {pct(.95):>8.2f} {pct(.99):>8.2f} {times[-1]:>8.2f}  ({matches})")
all_times.sort()
pct = lambda p: all_times[min(len(all_times) - 1, int(len(all_times) * p))]
print(f"{'all':<14} {len(all_times):>5} {pct(.5):>8.2f} {pct(.95):>8.2f} {pct(.99):>8.2f} {all_times[-1]:>8.2f}")
