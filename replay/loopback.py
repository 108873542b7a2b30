"""Serving the fake HTTP peers (Bot API, OpenAI) on loopback."""

from aiohttp import web


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    """Serve `app` on a free 127.0.0.1 port; return its runner and its http://host:port."""
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"
