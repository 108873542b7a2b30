"""The OpenAI path against a fake OpenAI-compatible server that answers with scripted tool calls.

The real openai client makes real HTTP requests to the fake on loopback, so these tests check
what the bot sends (the strict tool, the forced tool choice, the makes in the prompt) and what
it makes of each kind of answer, including the ones that must fall back to the rule parser.
"""

import asyncio
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram.types import Update
from openai import AsyncOpenAI

from bot.app import build_bot, build_dispatcher
from bot.interpret import Interpreter
from bot.llm import TOOL_NAME, interpreter_for, llm_interpreter
from bot.parse import main
from bot.parser import DEFAULT_RATES, parse_query
from core.db import async_session_factory, make_async_engine
from core.settings import Settings
from replay.openai_api import FakeOpenAI, error, plain, tool_call
from replay.telegram_api import FakeTelegram
from tests.bot.chat import ANNA, TOKEN, Conversation, only_message, url

pytestmark = pytest.mark.anyio

# The end-to-end tests' fixtures: asyncio, the seeded database, the fake Bot API server.

MAKES_MODELS = {"BMW": ["3 Series", "X5"], "Toyota": ["Prius", "Aqua"]}
TEXT = "Найди красную BMW до 2 млн"
NOTHING = {
    "make": None, "model": None, "year_min": None, "year_max": None, "price_min": None,
    "price_max": None, "mileage_max": None, "color": None, "body_type": None,
    "transmission": None, "fuel": None, "prefecture": None, "repair_history": None, "drive": None,
    "deal": None, "sort": None,
}  # fmt: skip


def arguments(**values: Any) -> dict[str, Any]:
    """Tool arguments as strict mode makes the model send them: every field, null if unset."""
    return NOTHING | values


@pytest.fixture
async def openai_server() -> AsyncIterator[FakeOpenAI]:
    """The fake OpenAI server, listening on loopback."""
    server = FakeOpenAI()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def interpreter(openai_server: FakeOpenAI) -> AsyncIterator[Interpreter]:
    """The LLM interpreter on the fake server, with a 0.5 s budget per call."""
    client = AsyncOpenAI(api_key="sk-test", base_url=openai_server.url, max_retries=0)
    yield llm_interpreter(client, "fake-model", MAKES_MODELS, timeout=0.5)
    await client.close()


async def test_request_carries_the_strict_tool_the_forced_choice_and_the_makes(
    openai_server: FakeOpenAI, interpreter: Interpreter
) -> None:
    openai_server.script(tool_call(arguments(make="BMW")))

    await interpreter(TEXT, None, DEFAULT_RATES)

    (request,) = openai_server.requests
    assert request["model"] == "fake-model"
    assert request["tool_choice"] == {"type": "function", "function": {"name": TOOL_NAME}}
    (tool,) = request["tools"]
    assert tool["type"] == "function" and tool["function"]["name"] == TOOL_NAME
    assert tool["function"]["strict"] is True
    schema = tool["function"]["parameters"]
    assert schema["additionalProperties"] is False
    assert sorted(schema["required"]) == sorted(schema["properties"]) == sorted(NOTHING)
    properties = schema["properties"]
    assert all("null" in prop["type"] for prop in properties.values())
    assert properties["price_max"]["type"] == ["integer", "null"]
    assert properties["transmission"]["enum"] == ["automatic", "cvt", "manual", None]
    assert {"red", "white", None} <= set(properties["color"]["enum"])
    assert {"suv", "sedan", None} <= set(properties["body_type"]["enum"])
    assert {"hybrid", "diesel", None} <= set(properties["fuel"]["enum"])
    assert {"price", "-year", "mileage", "deal", None} <= set(properties["sort"]["enum"])
    # An array of the deal bands, or null: strict mode needs the items' schema.
    assert properties["deal"]["type"] == ["array", "null"]
    assert properties["deal"]["items"] == {
        "type": "string", "enum": ["great", "good", "fair", "high", "overpriced"]
    }  # fmt: skip
    system, user = request["messages"]
    assert system["role"] == "system"
    assert "- BMW: 3 Series, X5\n- Toyota: Prius, Aqua" in system["content"]
    assert "Amounts without a currency are yen" in system["content"]
    assert "1 USD = 150 yen, 1 EUR = 160 yen, 1 RUB = 1.8 yen" in system["content"]
    assert user == {"role": "user", "content": TEXT}


async def test_valid_arguments_become_the_filters(
    openai_server: FakeOpenAI, interpreter: Interpreter
) -> None:
    chosen = {"make": "BMW", "color": "red", "price_max": 2_000_000, "sort": "price"}
    openai_server.script(tool_call(arguments(**chosen)))

    result = await interpreter(TEXT, None, DEFAULT_RATES)

    assert result.filters == chosen
    assert (result.source, result.language, result.notes) == ("llm", "ru", ())


async def test_deal_bands_and_the_deal_sort_become_the_filters(
    openai_server: FakeOpenAI, interpreter: Interpreter
) -> None:
    previous = {"make": "Toyota", "model": "Prius", "price_max": 2_000_000}
    chosen = {"deal": ["great", "good"], "sort": "deal"}
    openai_server.script(
        tool_call(arguments(make="Toyota", model="Prius", deal=["great"])),
        tool_call(arguments(**previous, **chosen)),
        tool_call(arguments(make="Toyota", deal=["great", "cheap"])),
    )

    great = await interpreter("приусы, которые стоят меньше похожих", None, DEFAULT_RATES)
    followup = await interpreter("а самые выгодные?", previous, DEFAULT_RATES)
    wrong = await interpreter("toyota cheap deals", None, DEFAULT_RATES)

    assert (great.filters, great.source) == (
        {"make": "Toyota", "model": "Prius", "deal": ["great"]}, "llm"
    )  # fmt: skip
    assert (followup.filters, followup.followup) == (previous | chosen, True)
    # A band CarFilters does not know drops the deal filter, not the search.
    assert wrong.filters == {"make": "Toyota"}
    assert wrong.ignored == ("deal=['great', 'cheap']",)
    prompt = openai_server.requests[0]["messages"][0]["content"]
    assert '["great", "good"] for good deals' in prompt and '"deal" best deals first' in prompt


async def test_invalid_values_are_dropped_and_noted(
    openai_server: FakeOpenAI, interpreter: Interpreter
) -> None:
    openai_server.script(tool_call(arguments(make="BMW", color="mauve", year_min=1800)))

    result = await interpreter("mauve BMW from 1800", None, DEFAULT_RATES)

    assert result.filters == {"make": "BMW"}
    assert result.source == "llm"
    assert result.notes == (
        "dropped color='mauve': CarFilters rejects it",
        "dropped year_min=1800: CarFilters rejects it",
    )
    assert result.ignored == ("color=mauve", "year_min=1800")


async def test_a_foreign_price_keeps_the_parsers_conversion(
    openai_server: FakeOpenAI, interpreter: Interpreter
) -> None:
    # The model got the rate wrong; the parser converted at the configured one.
    openai_server.script(tool_call(arguments(make="BMW", price_max=2_000_000)))

    result = await interpreter("BMW до 20000 долларов", None, DEFAULT_RATES)

    assert result.filters == {"make": "BMW", "price_max": 3_000_000}
    assert result.notes == ("20,000 USD = ¥3,000,000 (1 USD = ¥150)",)


async def test_a_followup_sends_the_previous_search(
    openai_server: FakeOpenAI, interpreter: Interpreter
) -> None:
    previous = {"make": "BMW", "color": "red", "price_max": 2_000_000}
    openai_server.script(tool_call(arguments(**previous, transmission="automatic")))

    result = await interpreter("only automatic", previous, DEFAULT_RATES)

    assert result.filters == previous | {"transmission": "automatic"}
    assert result.followup
    context = openai_server.requests[0]["messages"][1]
    assert context["role"] == "system"
    assert '"make": "BMW"' in context["content"] and '"price_max": 2000000' in context["content"]


async def test_an_answer_that_only_repeats_the_last_search_is_not_taken(
    openai_server: FakeOpenAI, interpreter: Interpreter
) -> None:
    previous = {"make": "BMW", "color": "red", "price_max": 2_000_000}
    # The model keeps the previous search for a greeting; then it reads a word the parser can't.
    openai_server.script(
        tool_call(arguments(**previous)), tool_call(arguments(body_type="minivan"))
    )

    greeting = await interpreter("Привет! Что посоветуешь для семьи?", previous, DEFAULT_RATES)
    family = await interpreter("что-то для большой семьи", previous, DEFAULT_RATES)

    # The rule parser's answer: nothing to search, so the bot says it did not understand.
    assert (greeting.filters, greeting.source, greeting.unknown) == ({}, "rules", ("семьи",))
    assert (family.filters, family.source, family.unknown) == ({"body_type": "minivan"}, "llm", ())


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(tool_call(arguments(make="Toyota"), delay=5.0), id="timeout"),
        pytest.param(plain("You probably want a red BMW!"), id="no-tool-call"),
        pytest.param(error(500), id="http-500"),
        pytest.param(tool_call(arguments(make="Toyota"), name="other_tool"), id="other-tool"),
    ],
)
async def test_no_usable_answer_falls_back_to_the_parser(
    openai_server: FakeOpenAI, interpreter: Interpreter, reply: Any
) -> None:
    openai_server.script(reply)

    result = await interpreter(TEXT, None, DEFAULT_RATES)

    assert len(openai_server.requests) == 1  # asked once: no retry eats the time budget
    assert result == parse_query(TEXT)
    assert result.source == "rules"
    assert result.filters == {"make": "BMW", "price_max": 2_000_000, "color": "red"}


async def test_without_a_key_it_is_the_parser() -> None:
    settings = Settings(_env_file=None, openai_api_key=None)
    engine = make_async_engine(Settings(_env_file=None, database_url="sqlite://"))
    try:
        interpret, client = await interpreter_for(settings, async_session_factory(engine))
        result = await interpret(TEXT, None, DEFAULT_RATES)
    finally:
        await engine.dispose()
    assert client is None
    assert result == parse_query(TEXT)


async def test_the_parse_command_asks_the_model_when_configured(
    openai_server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'empty.db'}",
        openai_api_key="sk-test",
        openai_base_url=openai_server.url,
    )
    monkeypatch.setattr("bot.parse.get_settings", lambda: settings)
    openai_server.script(tool_call(arguments(make="BMW", sort="price")))
    stdout, stderr = io.StringIO(), io.StringIO()

    # The command runs its own event loop; this one keeps serving the fake meanwhile.
    assert await asyncio.to_thread(main, ["cheapest", "beemer"], None, stdout, stderr) == 0

    assert json.loads(stdout.getvalue()) == {"make": "BMW", "sort": "price"}
    assert openai_server.requests[0]["messages"][-1]["content"] == "cheapest beemer"


async def test_bot_searches_with_the_models_filters(
    cars_db: str, telegram: FakeTelegram, openai_server: FakeOpenAI
) -> None:
    settings = Settings(
        _env_file=None,
        database_url=cars_db,
        telegram_bot_token=TOKEN,
        openai_api_key="sk-test",
        openai_base_url=openai_server.url,
    )
    engine = make_async_engine(Settings(_env_file=None, database_url=cars_db))
    bot = build_bot(TOKEN, telegram.url)
    sessions = async_session_factory(engine)
    interpret, client = await interpreter_for(settings, sessions)
    assert client is not None
    try:
        dispatcher = build_dispatcher(settings, sessions, interpret=interpret)
        chat = Conversation(dispatcher, bot, telegram)
        # Cheapest first: something the parser would not read in this message.
        openai_server.script(
            tool_call(
                arguments(make="BMW", color="red", price_max=2_000_000, sort="price", fuel="steam")
            )
        )
        update = Update.model_validate(chat.message(TEXT), context={"bot": bot})
        await dispatcher.feed_update(bot, update)
    finally:
        await client.close()
        await bot.session.close()
        await engine.dispose()

    # The prompt lists the makes and models of the seeded database.
    assert "- BMW: 3 Series\n- Toyota: Prius" in openai_server.requests[0]["messages"][0]["content"]
    text = only_message(telegram.calls).params["text"]
    assert text.startswith("<b>Найдено: 7</b>")
    assert "сортировка: сначала дешёвые" in text
    assert "Не учтено (недопустимое значение): fuel=steam" in text
    positions = [text.index(url(car)) for car in ("B1", "B2", "B3", "B4", "B5")]
    assert positions == sorted(positions)
    assert only_message(telegram.calls).params["chat_id"] == str(ANNA)
