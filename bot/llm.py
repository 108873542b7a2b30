"""The OpenAI path: Chat Completions with one strict function tool, `search_cars`.

The model reads the message (and the chat's previous filters) and calls `search_cars`, whose
JSON schema comes from `CarFilters`. The rule parser still runs first: it gives the reply
language, the currency conversions and the words it could not read, and it is the answer
whenever the model cannot give one (no key, an error, a timeout, no tool call, or nothing new:
an answer that only repeats the previous search would show old results for a message the bot
did not understand).
"""

import asyncio
import dataclasses
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from openai import AsyncOpenAI, OpenAIError
from openai.types.chat import (
    ChatCompletion,
    ChatCompletionFunctionToolParam,
    ChatCompletionMessageParam,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.interpret import Interpreter, rule_interpreter
from bot.parser import ParseResult
from bot.parser.query import FIELDS, validate
from core.filters import CarFilters
from core.money import Rates
from core.read import facets
from core.settings import Settings

log = logging.getLogger("bot.llm")

TOOL_NAME = "search_cars"
# Free text (`q`) would invite the model to copy the whole message into one filter.
TOOL_FIELDS = [name for name in CarFilters.model_fields if name in FIELDS - {"q"}]
_PRICE_FIELDS = ("price_min", "price_max")

MakesModels = Mapping[str, Sequence[str]]


def _nullable(name: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """One property of CarFilters' JSON schema, as strict mode wants it: a type that allows null."""
    variants = [v for v in schema.get("anyOf", [schema]) if v.get("type") != "null"]
    if len(variants) != 1 or "type" not in variants[0]:
        raise ValueError(f"CarFilters.{name} has no single JSON type: {schema}")
    (variant,) = variants
    prop: dict[str, Any] = {"type": [variant["type"], "null"]}
    if "enum" in variant:
        prop["enum"] = [*variant["enum"], None]
    if "items" in variant:
        # deal, a list of bands: strict mode needs the items' schema. Bounds (maxItems, like
        # ge/le) are left out: CarFilters checks them on the answer.
        items = variant["items"]
        prop["items"] = {key: items[key] for key in ("type", "enum") if key in items}
    if "description" in schema:
        prop["description"] = schema["description"]
    return prop


def tool_schema() -> ChatCompletionFunctionToolParam:
    """The `search_cars` tool: every filter of CarFilters and the sort, strict, null for unset."""
    properties = CarFilters.model_json_schema()["properties"]
    return {
        "type": "function",
        "function": {
            "name": TOOL_NAME,
            "description": "Search the used-car listings with these filters.",
            "strict": True,
            "parameters": {
                "type": "object",
                "properties": {name: _nullable(name, properties[name]) for name in TOOL_FIELDS},
                "required": TOOL_FIELDS,
                "additionalProperties": False,
            },
        },
    }


def system_prompt(makes_models: MakesModels, rates: Rates) -> str:
    """The instructions: how to fill the tool, and the makes and models the database holds."""
    catalogue = "\n".join(
        f"- {make}: {', '.join(models)}" for make, models in sorted(makes_models.items())
    )
    return f"""\
You turn a used-car search message (Russian, English or Japanese) into one call of \
{TOOL_NAME}. Always call the tool; use null for anything the message does not ask for.
- make and model: only the canonical English names below, exactly as written.
- Prices are total prices in yen. Amounts without a currency are yen ("2 млн" = 2000000, \
"150万円" = 1500000, "800k" = 800000). Other currencies: \
{", ".join(f"1 {currency} = {yen:g} yen" for currency, yen in rates.yen_per.items())}.
- mileage_max is in kilometres. repair_history false means no accident or repair history.
- deal compares the price with the market price: ["great", "good"] for good deals, \
bargains or below the market ("выгодные", "ниже рынка", "お買い得"); ["great"] for great \
deals only ("отличная цена", "超お買い得").
- sort: "price" cheapest first, "-year" newest first, "mileage" lowest mileage first, \
"deal" best deals first ("самые выгодные" is both that sort and the good deals).
- Follow-ups: when a previous search is given and the message refines it ("cheaper?", \
"only automatic", "а красные?"), answer with the previous filters changed as asked; when it \
names another car or is a new search, answer with the new filters only.

Makes and models in the database:
{catalogue or "(none yet)"}"""


def _tool_arguments(response: ChatCompletion) -> dict[str, Any] | None:
    """The arguments of the first search_cars call in a completion, or None if there is none."""
    choice = next(iter(response.choices), None)
    calls = (choice.message.tool_calls or []) if choice else []
    for call in calls:
        if call.type == "function" and call.function.name == TOOL_NAME:
            arguments = json.loads(call.function.arguments)
            return arguments if isinstance(arguments, dict) else None
    return None


def llm_interpreter(
    client: AsyncOpenAI, model: str, makes_models: MakesModels, timeout: float
) -> Interpreter:
    """An Interpreter asking `model` through `client`, falling back to the rule parser."""
    tools = [tool_schema()]

    async def interpret(text: str, previous: Mapping[str, Any] | None, rates: Rates) -> ParseResult:
        ruled = await rule_interpreter(text, previous, rates)
        if ruled.problem:
            return ruled  # a negative amount or an exponent: refused before any model is asked
        prompt = system_prompt(makes_models, rates)
        messages: list[ChatCompletionMessageParam] = [{"role": "system", "content": prompt}]
        if previous:
            context = f"Previous search: {json.dumps(previous, ensure_ascii=False)}"
            messages.append({"role": "system", "content": context})
        messages.append({"role": "user", "content": text})
        try:
            async with asyncio.timeout(timeout):
                response = await client.chat.completions.create(
                    model=model,
                    messages=messages,
                    tools=tools,
                    tool_choice={"type": "function", "function": {"name": TOOL_NAME}},
                    temperature=0,
                )
            arguments = _tool_arguments(response)
        except (OpenAIError, TimeoutError, ValueError) as error:
            log.warning("LLM call failed, using the rule parser: %r", error)
            return ruled
        if arguments is None:
            log.warning("LLM answered without calling %s, using the rule parser", TOOL_NAME)
            return ruled
        fields = {name: value for name, value in arguments.items() if value is not None}
        if ruled.conversions:
            # The parser converted a foreign price at the configured rate: its yen are exact.
            fields.update(
                {name: ruled.filters[name] for name in _PRICE_FIELDS if name in ruled.filters}
            )
        filters, dropped, ignored = validate(fields)
        if not filters or filters == validate(previous or {})[0]:
            log.warning("LLM asked for nothing new, using the rule parser")
            return ruled
        # The model merges a follow-up itself; it did if it kept any of the previous filters.
        kept = previous is not None and any(filters.get(k) == v for k, v in previous.items())
        return dataclasses.replace(
            ruled,
            filters=filters,
            followup=kept,
            notes=(*map(str, ruled.conversions), *dropped),
            ignored=tuple(ignored),
            unknown=(),  # the model read every word
            source="llm",
        )

    return interpret


async def load_makes_models(
    sessions: async_sessionmaker[AsyncSession],
) -> dict[str, list[str]]:
    """The makes in the database, each with its models, most listed first (empty on error)."""
    try:
        async with sessions() as session:
            makes = (await facets(CarFilters(), session=session))["makes"]
    except SQLAlchemyError as error:
        log.warning("could not read the makes for the LLM prompt: %r", error)
        return {}
    return {make["value"]: [model["value"] for model in make["models"]] for make in makes}


async def interpreter_for(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> tuple[Interpreter, AsyncOpenAI | None]:
    """The LLM interpreter when OPENAI_API_KEY is set, else the rule parser; and its client.

    The caller closes the client (`await client.close()`) in the event loop that used it.
    """
    if settings.openai_api_key is None or not settings.openai_api_key.get_secret_value():
        return rule_interpreter, None
    client = AsyncOpenAI(
        api_key=settings.openai_api_key.get_secret_value(),
        base_url=settings.openai_base_url,
        timeout=settings.openai_timeout_seconds,
        max_retries=0,  # a retry would blow the time budget; the parser is the retry
    )
    makes_models = await load_makes_models(sessions)
    interpret = llm_interpreter(
        client, settings.openai_model, makes_models, settings.openai_timeout_seconds
    )
    return interpret, client
