#!/usr/bin/env python3
"""Floods a running gateway's partner plane and reports its resident memory (VmRSS) before,
at the peak of, and after each flood: many idle TLS connections held open, then large request
bodies on many connections at once. Used by run_memory_flood.sh; prints one JSON line a flood.

Everything goes to 127.0.0.1 only; every loop is bounded in count and time."""
import argparse
import asyncio
import json
import ssl
import time


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def open_idle(port: int, ctx: ssl.SSLContext, n: int, hold: list) -> int:
    async def one():
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost"), 10)
            hold.append(w)
            return 1
        except Exception:
            return 0
    opened = 0
    for start in range(0, n, 100):  # 100 handshakes at a time
        opened += sum(await asyncio.gather(*(one() for _ in range(min(100, n - start)))))
    return opened


async def big_bodies(port: int, ctx: ssl.SSLContext, connections: int, body_bytes: int) -> int:
    body = b"{\"segment\":\"" + b"x" * body_bytes + b"\"}"
    head = (f"POST /v1/audience-estimates HTTP/1.1\r\nHost: localhost:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()

    async def one():
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost"), 10)
            w.write(head + body)
            await w.drain()
            await asyncio.wait_for(r.read(4096), 10)
            w.close()
            return 1
        except Exception:
            return 0
    done = 0
    for start in range(0, connections, 50):
        done += sum(await asyncio.gather(*(one() for _ in range(min(50, connections - start)))))
    return done


async def flood(args, ctx) -> dict:
    before = rss_kib(args.pid)
    hold = []
    idle = await open_idle(args.port, ctx, args.idle, hold)
    peak = rss_kib(args.pid)
    bodies = await big_bodies(args.port, ctx, args.bodies, args.body_bytes)
    peak = max(peak, rss_kib(args.pid))
    for w in hold:
        w.close()
    await asyncio.sleep(args.settle)
    return {"rss_before_kib": before, "idle_connections": idle, "large_requests": bodies,
            "rss_peak_kib": peak, "rss_after_kib": rss_kib(args.pid)}


async def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--floods", type=int, default=3)
    p.add_argument("--idle", type=int, default=1500)
    p.add_argument("--bodies", type=int, default=400)
    p.add_argument("--body-bytes", type=int, default=900 * 1024)
    p.add_argument("--settle", type=float, default=7.0, help="seconds after a flood before RSS is read")
    p.add_argument("--label", default="")
    args = p.parse_args()
    ctx = ssl.create_default_context(cafile=args.ca)
    for i in range(1, args.floods + 1):
        started = time.monotonic()
        r = await flood(args, ctx)
        r.update({"label": args.label, "flood": i, "seconds": round(time.monotonic() - started, 1)})
        print(json.dumps(r), flush=True)


asyncio.run(main())
