#!/usr/bin/env python3
"""N agents for the dashboard benchmark: one asyncio process listening on N loopback ports,
each answering /api/v1/node with a real agent's report (8 GPUs, processes) from a file.
Prints the ports, one per line, then "ready". Stops when stdin closes."""
import asyncio, sys

N, REPORT = int(sys.argv[1]), open(sys.argv[2], "rb").read()
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(REPORT)

async def handle(reader, writer):
    try:
        while True:
            req = await reader.readuntil(b"\r\n\r\n")
            if not req: break
            writer.write(HEAD + REPORT)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()

async def main():
    servers = [await asyncio.start_server(handle, "127.0.0.1", 0, backlog=64) for _ in range(N)]
    for s in servers: print(s.sockets[0].getsockname()[1])
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

asyncio.run(main())
