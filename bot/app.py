"""Wiring: the Bot (optionally on a local Bot API server) and the Dispatcher with middlewares,
its chats' context in the database (bot.storage)."""

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.alerts import Alerts
from bot.handlers import make_router
from bot.interpret import Interpreter, rule_interpreter
from bot.metrics import MetricsMiddleware
from bot.middlewares import AccessMiddleware, DbSessionMiddleware, RateLimitMiddleware
from bot.storage import DbStorage
from bot.watches import make_watch_router
from core.settings import Settings


def build_bot(token: str, api_base: str | None = None) -> Bot:
    """A Bot speaking HTML, without link previews, to Telegram or to the server at `api_base`."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else None
    defaults = DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True)
    return Bot(token, session=session, default=defaults)


def build_dispatcher(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    *,
    interpret: Interpreter | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Dispatcher:
    """The dispatcher: metrics, access, rate limit, FSM context and DB session middlewares,
    then handlers; the chats' FSM state and data in the database of `sessions`. Its startup
    (polling or webhook) starts the saved searches' alerts (bot.alerts, `dispatcher["alerts"]`),
    its shutdown stops them."""
    alerts = Alerts(settings, sessions)
    dispatcher = Dispatcher(
        storage=DbStorage(sessions),
        disable_fsm=True,  # its middleware, which reads the chat's state, is registered below
        settings=settings,
        interpret=interpret or rule_interpreter,
        alerts=alerts,
    )
    dispatcher.startup.register(alerts.start)
    dispatcher.shutdown.register(alerts.stop)
    # Outer middlewares run in the order registered: a stranger or a flood never costs a query.
    dispatcher.update.outer_middleware(MetricsMiddleware())
    dispatcher.update.outer_middleware(AccessMiddleware(settings.bot_allowed_users))
    dispatcher.update.outer_middleware(
        RateLimitMiddleware(
            settings.bot_rate_limit_messages, settings.bot_rate_limit_seconds, clock=clock
        )
    )
    dispatcher.update.outer_middleware(dispatcher.fsm)
    dispatcher.update.outer_middleware(DbSessionMiddleware(sessions))
    # The commands first: the search router takes any text.
    dispatcher.include_router(make_watch_router())
    dispatcher.include_router(make_router())
    return dispatcher


def webhook_app(dispatcher: Dispatcher, bot: Bot, url: str, secret: str | None) -> web.Application:
    """An aiohttp app taking updates at the path of `url`; it sets the webhook on startup."""

    async def set_webhook() -> None:
        await bot.set_webhook(url, secret_token=secret)

    dispatcher.startup.register(set_webhook)
    app = web.Application()
    # Handle before answering Telegram: it then sends a chat's next update only after this one,
    # so a follow-up never overtakes the search it refines.
    handler = SimpleRequestHandler(dispatcher, bot, handle_in_background=False, secret_token=secret)
    handler.register(app, path=urlsplit(url).path or "/")
    setup_application(app, dispatcher, bot=bot)
    return app
