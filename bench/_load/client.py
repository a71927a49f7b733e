"""A minimal open-loop HTTP/1.1 client: keep-alive connections to one server, one asyncio loop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time

from .traffic import IDLE_REUSE_S


class Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer, self.last_used, self.uses = reader, writer, time.monotonic(), 0

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class Pool:
    """Keep-alive connections to one server, at most ``limit`` open at once."""

    def __init__(self, host: str, port: int, limit: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.idle: list[Conn] = []
        self.sem = asyncio.Semaphore(limit)
        self.opened = 0
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{port}", **headers}.items())

    async def _conn(self) -> tuple[Conn, bool]:
        now = time.monotonic()
        while self.idle:
            c = self.idle.pop()
            if now - c.last_used < IDLE_REUSE_S:
                return c, True
            c.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.opened += 1
        return Conn(reader, writer), False

    async def _exchange(self, c: Conn, raw: bytes) -> tuple[int, bytes, bool]:
        c.writer.write(raw)
        head = await c.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, chunked, close = 0, False, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await c.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await c.reader.readuntil(b"\r\n")
                    break
                parts.append(await c.reader.readexactly(size))
                await c.reader.readexactly(2)
            body = b"".join(parts)
        else:
            body = await c.reader.readexactly(length) if length else b""
        return status, body, close

    async def request(self, method: str, path: str, body: bytes = b"", extra: str = "") -> tuple[int, bytes]:
        raw = f"{method} {path} HTTP/1.1\r\n{self.head}{extra}"
        if body:
            raw += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        data = raw.encode() + b"\r\n" + body
        async with self.sem:
            for attempt in range(2):
                c, reused = await self._conn()
                try:
                    status, resp, close = await self._exchange(c, data)
                except (asyncio.IncompleteReadError, ConnectionError) as exc:
                    c.close()
                    # a kept-alive socket the server just closed: retry once on a fresh one
                    if reused and attempt == 0 and not getattr(exc, "partial", b""):
                        continue
                    raise
                except BaseException:
                    c.close()
                    raise
                if close:
                    c.close()
                else:
                    c.last_used, c.uses = time.monotonic(), c.uses + 1
                    self.idle.append(c)
                return status, resp
        raise ConnectionError("unreachable")

    def close(self) -> None:
        for c in self.idle:
            c.close()
        self.idle.clear()
