"""Benchmarks for the Python binding (a script, not a test). In one run:

1. parse the 10,000-device `fields=all` list (from the fake tailnet) into typed objects vs
   `json.loads` of the same bytes (goal ≤ 0.7×), plus full materialisation of every attribute;
2. the PyPI package `tailscale` 1.0 parsing the same bytes into its models, in its own venv
   (goal: tailnet ≥ 10× faster);
3. per-call overhead of build_request + parse_response on a small response vs a hand-rolled
   `urllib.request.Request` + `json.loads` (goal ≤ 1.2×);
4. `python -X importtime -c "import tailnet"` (goal ≤ 30 ms).

    python bindings-python/bench/bench.py [--tailscale-venv DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import timeit
import urllib.request
from pathlib import Path
from typing import Any, Callable, List

import tailnet

REPO = Path(__file__).resolve().parents[2]
KEY = "tskey-api-bench"


def best(fn: Callable[[], Any], repeat: int) -> float:
    times: List[float] = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def fetch_devices() -> bytes:
    fake = os.environ.get("TAILNET_FAKE_BIN") or str(REPO / "target" / "debug" / "fake-tailnet")
    proc = subprocess.Popen([fake, "--listen", "127.0.0.1:0", "--api-key", KEY, "--devices", "10000"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().decode().strip()
        req = urllib.request.Request(url + "/api/v2/tailnet/-/devices?fields=all", headers={"Authorization": f"Bearer {KEY}"})
        with urllib.request.urlopen(req, timeout=120) as resp:
            return bytes(resp.read())
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)


TAILSCALE_SCRIPT = r"""
import sys, time
from tailscale.models import Devices
data = open(sys.argv[1], "rb").read()
best = 1e9
for _ in range(int(sys.argv[2])):
    t = time.perf_counter(); d = Devices.from_json(data).devices; best = min(best, time.perf_counter() - t)
print(best, len(d))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tailscale-venv", default=os.path.expanduser("~/.cache/tailnet/bench-tailscale-venv"))
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()

    body = fetch_devices()
    headers = [("content-type", "application/json")]
    print(f"10,000-device fields=all list: {len(body) / 1e6:.1f} MB")

    t_json = best(lambda: json.loads(body), args.repeat)
    t_typed = best(lambda: tailnet.parse_response("listTailnetDevices", 200, headers, body), args.repeat)
    devices = tailnet.parse_response("listTailnetDevices", 200, headers, body).devices or []
    assert len(devices) == 10000

    def materialise() -> None:
        result = tailnet.parse_response("listTailnetDevices", 200, headers, body)
        for d in result.devices or []:
            for name, _, _ in type(d)._fields_:
                getattr(d, name)

    t_full = best(materialise, max(3, args.repeat // 2))
    t_dict = best(lambda: tailnet.parse_response("listTailnetDevices", 200, headers, body).to_dict(), args.repeat)
    print(f"json.loads                          {t_json * 1e3:8.1f} ms")
    print(f"tailnet.parse_response (typed)      {t_typed * 1e3:8.1f} ms   {t_typed / t_json:.2f}x json.loads (goal <= 0.7x)")
    print(f"  + every attribute of every device {t_full * 1e3:8.1f} ms   {t_full / t_json:.2f}x json.loads")
    print(f"  + .to_dict() (wire JSON)          {t_dict * 1e3:8.1f} ms   {t_dict / t_json:.2f}x json.loads")

    py = Path(args.tailscale_venv) / "bin" / "python"
    if py.exists():
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
            f.write(body)
        try:
            out = subprocess.run([str(py), "-c", TAILSCALE_SCRIPT, f.name, str(max(3, args.repeat // 2))], capture_output=True, text=True, check=True).stdout.split()
            t_ts = float(out[0])
            print(f"tailscale 1.0 Devices.from_json     {t_ts * 1e3:8.1f} ms   tailnet is {t_ts / t_typed:.1f}x faster (goal >= 10x); {t_ts / t_full:.1f}x with every attribute read")
        finally:
            os.unlink(f.name)
    else:
        print(f"tailscale 1.0: no venv at {py.parent.parent} (python3 -m venv DIR && DIR/bin/pip install tailscale==1.0.0)")

    small = json.dumps({"nodeId": "n1234CNTRL", "name": "host.example.ts.net", "addresses": ["100.64.0.1"], "os": "linux", "authorized": True}).encode()
    n = 20000

    def ours() -> None:
        tailnet.build_request("getDevice", device_id="n1234CNTRL", api_key=KEY)
        tailnet.parse_response("getDevice", 200, headers, small)

    def hand_rolled() -> None:
        urllib.request.Request(
            "https://api.tailscale.com/api/v2/device/" + urllib.parse.quote("n1234CNTRL", safe=""),
            headers={"Authorization": "Bearer " + KEY, "Accept": "application/json", "User-Agent": "x"},
            method="GET",
        )
        json.loads(small)

    import urllib.parse  # noqa: F401

    t_ours = min(timeit.repeat(ours, number=n, repeat=5)) / n
    t_hand = min(timeit.repeat(hand_rolled, number=n, repeat=5)) / n
    print(f"per call: build+parse {t_ours * 1e6:.2f} us vs urllib.Request+json.loads {t_hand * 1e6:.2f} us = {t_ours / t_hand:.2f}x (goal <= 1.2x)")

    times = []
    for _ in range(5):
        err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import tailnet"], capture_output=True, text=True, cwd=tempfile.gettempdir()).stderr
        line = [ln for ln in err.splitlines() if ln.rstrip().endswith("| tailnet")][-1]
        times.append(int(line.split("|")[1]) / 1000)
    print(f"import tailnet (cumulative, -X importtime, best of 5): {min(times):.1f} ms (goal <= 30 ms)")


if __name__ == "__main__":
    main()
