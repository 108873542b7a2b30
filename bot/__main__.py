"""python -m bot: the Telegram bot, by long polling or, with TELEGRAM_WEBHOOK_URL, a webhook,
sending the saved searches' alerts in either mode (started with the dispatcher, bot.alerts);
with BOT_METRICS_PORT, its Prometheus metrics on that port."""

import asyncio
import logging

from aiogram import Bot, Dispatcher
from aiogram.utils.token import TokenValidationError
from aiohttp import web
from openai import AsyncOpenAI
from prometheus_client import start_http_server
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_bot, build_dispatcher, webhook_app
from bot.interpret import Interpreter
from bot.llm import interpreter_for
from core.db import async_session_factory, make_async_engine
from core.logs import configure_logging
from core.settings import Settings, get_settings

log = logging.getLogger("bot")


async def poll(dispatcher: Dispatcher, bot: Bot) -> None:
    """Poll Telegram for updates until interrupted."""
    # getUpdates is refused while a webhook is set, e.g. after running in webhook mode.
    await bot.delete_webhook()
    await dispatcher.start_polling(bot)


async def _interpreter(
    settings: Settings, engine: AsyncEngine
) -> tuple[Interpreter, AsyncOpenAI | None]:
    """The message interpreter; its database reads happen in a loop of their own, so their
    connections are closed before the bot's loop starts."""
    try:
        return await interpreter_for(settings, async_session_factory(engine))
    finally:
        await engine.dispose()


def main() -> None:
    """Start the bot, or exit with status 1 and a message when there is no valid token."""
    configure_logging("bot")
    settings = get_settings()
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    if not token:
        raise SystemExit(
            "TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather in Telegram, then "
            "export TELEGRAM_BOT_TOKEN=<its token> (or put it in .env) and run python -m bot again."
        )
    try:
        bot = build_bot(token, settings.telegram_api_base)
    except TokenValidationError as error:
        raise SystemExit(f"TELEGRAM_BOT_TOKEN is not a valid bot token: {error}") from None
    if settings.bot_metrics_port:
        start_http_server(settings.bot_metrics_port, addr=settings.bot_metrics_host)
    engine = make_async_engine(settings)
    sessions = async_session_factory(engine)
    interpret, client = asyncio.run(_interpreter(settings, engine))
    dispatcher = build_dispatcher(settings, sessions, interpret=interpret)
    if client is not None:
        # Shutdown runs in the loop that served the updates, for polling and webhook alike.
        dispatcher.shutdown.register(client.close)
    try:
        if settings.telegram_webhook_url:
            secret = settings.telegram_webhook_secret
            app = webhook_app(
                dispatcher,
                bot,
                settings.telegram_webhook_url,
                secret.get_secret_value() if secret else None,
            )
            host, port = settings.telegram_webhook_host, settings.telegram_webhook_port
            web.run_app(app, host=host, port=port, print=log.info)
        else:
            asyncio.run(poll(dispatcher, bot))
    finally:
        asyncio.run(engine.dispose())


if __name__ == "__main__":
    main()
