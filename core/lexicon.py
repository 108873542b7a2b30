"""The one lexicon of makes and models: every way buyers write them, and reading it in a query.

English, Russian (with its case forms), Japanese kana and slang (ランクル, крузак, приус) all
map to carsensor's canonical English names. `core.vocab` holds carsensor's own catalogue and its
Japanese spellings; the tables here add what a listing never says. The API's `q` (and so the
web search box) reads aliases through `canonical_query`, and the bot's parser builds its phrase
index from the same tables and the same folding.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from core import vocab
from core.vocab import MAKES

# --- folding ----------------------------------------------------------------------------------

_TRANSLATE = {
    **{ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"},
    ord("〜"): "~",
    ord("・"): " ",
    ord("ё"): "е",
}
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff々"
_CJK_SPACE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
# х5, а4, м3 typed in Cyrillic are the Latin model names.
_HOMOGLYPHS = re.compile(r"(?<![a-zа-я])([хаем])(?=\d)")
_LATIN_OF = {"х": "x", "а": "a", "е": "e", "м": "m"}
WORD_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzабвгдежзийклмнопрстуфхцчшщъыьэюя")
# A katakana word goes on with these, so ミラ in ミラー (mirror) is no Daihatsu Mira.
KANA_CONTINUATIONS = frozenset("ーァィゥェォャュョッヮヵヶ")
# 令和元年 is the era's first year: 令和1年.
_FIRST_YEAR = re.compile("(平成|令和|昭和)元年")


@dataclass(frozen=True, slots=True)
class Folded:
    """A message folded for matching: `text` is lower-case, `cased` the same letters as typed."""

    text: str
    cased: str


def fold(raw: str) -> Folded:
    """No format characters, NFKC, one dash and space, no spaces in Japanese, lower case, ё as е."""
    # Zero-width and bidi characters (Unicode category Cf) would split Toy\u200bota in two;
    # ASCII has none.
    visible = raw if raw.isascii() else "".join(c for c in raw if unicodedata.category(c) != "Cf")
    cased = " ".join(unicodedata.normalize("NFKC", visible).translate(_TRANSLATE).split())
    cased = _FIRST_YEAR.sub(r"\g<1>1年", _CJK_SPACE.sub("", cased))
    # Lower-case letter by letter so that `text` and `cased` keep the same length.
    text = "".join(c if len(low := c.lower()) != 1 else low for c in cased).translate(_TRANSLATE)
    text = _HOMOGLYPHS.sub(lambda m: _LATIN_OF[m.group(1)], text)
    return Folded(text, cased)


def fold_phrase(phrase: str) -> str:
    """A table spelling, folded the same way as a message."""
    return fold(phrase).text


def is_katakana(char: str) -> bool:
    return "\u30a0" <= char <= "\u30ff"


def word_start(text: str, i: int, previous_end: int) -> bool:
    """Whether a phrase may start at text[i]: not inside a Latin, Cyrillic or katakana word.

    A katakana phrase may follow another found phrase (トヨタプリウス), but not the middle of an
    unknown word (バン in アバント).
    """
    if i == 0 or i == previous_end:
        return True
    char, before = text[i], text[i - 1]
    if char in WORD_CHARS:
        return before not in WORD_CHARS
    return not (is_katakana(char) and is_katakana(before))


def word_end(text: str, end: int, phrase: str) -> bool:
    """Whether `phrase`, found in `text` up to `end`, ends where a word ends."""
    if end == len(text):
        return True
    after = text[end]
    if phrase[-1] in WORD_CHARS and after in WORD_CHARS:
        return False
    return not (is_katakana(phrase[-1]) and after in KANA_CONTINUATIONS)


# --- Russian inflection -----------------------------------------------------------------------

_CONSONANTS = frozenset("бвгджзклмнпрстфхцчшщ")
_NOUN_ENDINGS = {
    # The last letter of the dictionary form: what replaces it in the other cases.
    "а": ("а", "у", "ы", "и", "е", "ой", "ою", "ам", "ами", "ах"),
    "я": ("я", "ю", "и", "е", "ей", "ям", "ями", "ях"),
    "й": ("й", "я", "ю", "ем", "е", "и", "ев", "ям", "ями", "ях"),
    "ь": ("ь", "я", "ю", "ем", "е", "и", "ей", "ям", "ями", "ях"),
}
_CONSONANT_ENDINGS = ("", "а", "у", "ом", "е", "ы", "и", "ов", "ам", "ами", "ах")
_ADJECTIVE_ENDINGS = (
    "ый", "ий", "ой", "ая", "яя", "ое", "ее", "ую", "юю", "ого", "его", "ому", "ему",
    "ым", "им", "ом", "ем", "ые", "ие", "ых", "их", "ыми", "ими", "ей",
)  # fmt: skip


def ru_noun(*words: str) -> tuple[str, ...]:
    """The case forms of Russian nouns (only the last word of a phrase declines)."""
    forms: list[str] = []
    for word in words:
        last = word[-1]
        if last in _NOUN_ENDINGS:
            forms += [word[:-1] + ending for ending in _NOUN_ENDINGS[last]]
        elif last in _CONSONANTS:
            forms += [word + ending for ending in _CONSONANT_ENDINGS]
        else:
            forms.append(word)  # прадо, камри, ауди, купе: indeclinable
    return tuple(forms)


def ru_adjective(*stems: str) -> tuple[str, ...]:
    """Every form of Russian adjectives given by stem (красн → красный, красную, красных…)."""
    return tuple(stem + ending for stem in stems for ending in _ADJECTIVE_ENDINGS)


def ru_phrase(adjectives: tuple[str, ...], nouns: tuple[str, ...]) -> tuple[str, ...]:
    """Adjective + noun in every combination (наименьшим пробегом, самые новые)."""
    return tuple(f"{adjective} {noun}" for adjective in adjectives for noun in nouns)


def en_plural(*words: str) -> tuple[str, ...]:
    """English nouns and their plurals."""
    return tuple(form for word in words for form in (word, word + "s"))


# --- makes and models -------------------------------------------------------------------------

# How Russian speakers write Land Cruiser; each also makes the Prado, followed by прадо.
_LAND_CRUISER = (
    "ленд крузер", "лэнд крузер", "ланд крузер", "ленд круизер", "ланд круизер", "ланкрузер",
    "ланкрузак", "крузак", "крузер",
)  # fmt: skip

# fmt: off
# Spellings of makes beyond core.vocab's English and Japanese names.
MAKE_WORDS: dict[str, tuple[str, ...]] = {
    "Toyota": ru_noun("тойота", "тоёта", "таёта", "тайота"),
    "Lexus": ru_noun("лексус"),
    "Nissan": ru_noun("ниссан", "нисан"),
    "Honda": ru_noun("хонда"),
    "Mazda": ru_noun("мазда"),
    "Subaru": ("субару", "субарик", "субарика"),
    "Suzuki": ("сузуки", "судзуки"),
    "Daihatsu": ("дайхатсу", "дайхацу"),
    "Mitsubishi": ("мицубиси", "митсубиси", "мицубиши", "митсубиши", "митсубисси"),
    "Isuzu": ("исузу",),
    "Mercedes-Benz": ("mercedes", "merc", "benz", "mercedes benz",
                      *ru_noun("мерседес", "мерс", "мерин", "мерседес бенц")),
    "Mercedes-AMG": ("амг",),
    "BMW": ("beemer", "bimmer", "бмв", *ru_noun("бэха", "беха", "бумер")),
    "MINI": ("мини",),
    "Volkswagen": ("volkswagon", *ru_noun("фольксваген", "фольцваген", "фольц")),
    "Audi": ("ауди",),
    "Porsche": ("порше", "порш"),
    "Volvo": ("вольво",),
    "Peugeot": ("пежо",),
    "Renault": ("рено",),
    "Fiat": ru_noun("фиат"),
    "Alfa Romeo": ("alfa", "альфа ромео"),
    "Maserati": ("мазерати",),
    "Ferrari": ("феррари",),
    "Lamborghini": ("lambo", "ламборгини", "ламборджини"),
    "Jaguar": ru_noun("ягуар"),
    "Land Rover": ("landrover", *ru_noun("ленд ровер", "лэнд ровер", "land ровер")),
    "Bentley": ("бентли",),
    "Rolls-Royce": ("роллс ройс",),
    # Also any SUV to a Russian speaker: the make only with one of its models (джип вранглер).
    "Jeep": ru_noun("джип"),
    "Chevrolet": ("chevy", "шевроле"),
    "Cadillac": ru_noun("кадиллак"),
    "Ford": ru_noun("форд"),
    "Tesla": ru_noun("тесла"),
    "Hyundai": ("хендай", "хундай", "хюндай", "хендэ"),
    "Infiniti": ("инфинити",),
    "Lada": ru_noun("лада"),
    "Citroën": ("ситроен",),
    "Opel": ru_noun("опель"),
}

# Russian and other spellings of models, by (make, canonical model). They count without the
# make: "прадо" is a Toyota.
MODEL_WORDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("Toyota", "Prius"): ru_noun("приус"),
    ("Toyota", "Aqua"): ru_noun("аква"),
    ("Toyota", "Camry"): ("камри",),
    ("Toyota", "Corolla"): ru_noun("королла", "каролла"),
    ("Toyota", "Corolla Fielder"): ru_noun("королла филдер", "филдер"),
    ("Toyota", "Corolla Axio"): ru_noun("королла аксио", "аксио"),
    ("Toyota", "Harrier"): ru_noun("харриер", "харьер", "хариер"),
    ("Toyota", "Land Cruiser"): ("landcruiser", *ru_noun(*_LAND_CRUISER, "кукурузер")),
    ("Toyota", "Land Cruiser Prado"): ("прадо", "prado",
                                       *(f"{name} прадо" for name in _LAND_CRUISER)),
    ("Toyota", "Alphard"): ru_noun("альфард", "алфард"),
    ("Toyota", "Vellfire"): ru_noun("вельфаер", "велфаер", "вельфайр"),
    ("Toyota", "Crown"): ru_noun("краун", "кроун"),
    ("Toyota", "Hiace"): ru_noun("хайс", "хайэйс", "хайейс"),
    ("Toyota", "Voxy"): ("вокси",),
    ("Toyota", "Noah"): ("ноах", "ноа", "ノア"),
    ("Toyota", "Sienta"): ru_noun("сиента"),
    ("Toyota", "Yaris"): ru_noun("ярис"),
    ("Toyota", "Vitz"): ru_noun("витц", "виц"),
    ("Toyota", "Hilux"): ru_noun("хайлюкс", "хайлакс"),
    ("Toyota", "Hilux Surf"): ru_noun("хайлюкс сурф", "сурф"),
    ("Toyota", "Supra"): ru_noun("супра"),
    ("Toyota", "RAV4"): ("рав4", "рав 4"),
    ("Toyota", "Estima"): ru_noun("эстима"),
    ("Toyota", "Mark II"): ("марк 2", "марк ii"),
    ("Toyota", "Mark X"): ("марк x", "марк х"),
    ("Toyota", "Premio"): ("премио",),
    ("Toyota", "Allion"): ru_noun("аллион"),
    ("Toyota", "Probox"): ru_noun("пробокс"),
    ("Toyota", "Raize"): ru_noun("райз"),
    ("Nissan", "Note"): ru_noun("ноут"),
    ("Nissan", "Serena"): ru_noun("серена"),
    ("Nissan", "X-Trail"): ru_noun("икстрейл", "экстрейл", "икс трейл", "x трейл", "х трейл"),
    ("Nissan", "Leaf"): ru_noun("лиф"),
    ("Nissan", "Juke"): ru_noun("джук"),
    ("Nissan", "Skyline"): ru_noun("скайлайн"),
    ("Nissan", "Teana"): ru_noun("теана"),
    ("Nissan", "March"): ru_noun("марч"),
    ("Nissan", "Tiida"): ru_noun("тиида"),
    ("Nissan", "Elgrand"): ru_noun("эльгранд", "элгранд"),
    ("Nissan", "Murano"): ("мурано",),
    ("Nissan", "Wingroad"): ru_noun("вингроуд"),
    ("Nissan", "GT-R"): ("гтр", "гт-р"),
    ("Honda", "Fit"): ru_noun("фит"),
    ("Honda", "Fit Shuttle"): ru_noun("фит шаттл"),
    ("Honda", "Shuttle"): ru_noun("шаттл"),
    ("Honda", "Vezel"): ru_noun("везел", "везель"),
    ("Honda", "Step WGN"): ("stepwgn", *ru_noun("степвагон", "степ вагон", "степвэгон")),
    ("Honda", "Freed"): ru_noun("фрид"),
    ("Honda", "Odyssey"): ru_noun("одиссей"),
    ("Honda", "Civic"): ru_noun("цивик"),
    ("Honda", "Accord"): ru_noun("аккорд"),
    ("Honda", "CR-V"): ("срв",),
    ("Honda", "N-BOX"): ("нбокс", "н бокс", "эн бокс"),
    ("Honda", "Insight"): ru_noun("инсайт"),
    ("Mazda", "Demio"): ("демио",),
    ("Mazda", "Axela"): ru_noun("аксела"),
    ("Mazda", "Atenza"): ru_noun("атенза"),
    ("Mazda", "CX-5"): ("сх-5", "сх5"),
    ("Mazda", "Roadster"): ru_noun("родстер"),
    ("Mazda", "Premacy"): ("премаси",),
    ("Subaru", "Impreza"): ru_noun("импреза"),
    ("Subaru", "Forester"): ru_noun("форестер"),
    ("Subaru", "Legacy"): ("легаси",),
    ("Subaru", "Levorg"): ru_noun("леворг"),
    ("Subaru", "Outback"): ru_noun("аутбэк", "аутбек"),
    ("Suzuki", "Jimny"): ("джимни",),
    ("Suzuki", "Swift"): ru_noun("свифт"),
    ("Suzuki", "Hustler"): ru_noun("хаслер", "хастлер"),
    ("Suzuki", "Escudo"): ("эскудо",),
    ("Suzuki", "Every"): ("эвери",),
    ("Daihatsu", "Tanto"): ("танто",),
    ("Mitsubishi", "Delica D:5"): ("delica", *ru_noun("делика")),
    ("Mitsubishi", "Pajero"): ("паджеро",),
    ("Mitsubishi", "Pajero Mini"): ("паджеро мини",),
    ("Mitsubishi", "Outlander"): ru_noun("аутлендер", "аутлэндер"),
    ("Mitsubishi", "Lancer"): ru_noun("лансер"),
    ("Mitsubishi", "Lancer Evolution"): ("evo", "эволюшн", "лансер эволюшн", "эво"),
    ("Mercedes-Benz", "G-Class"): ru_noun("g класс", "гелик", "гелендваген", "геленваген",
                                          "гелентваген"),
    ("Mercedes-Benz", "E-Class"): ru_noun("е класс", "e класс", "ешка"),
    ("Mercedes-Benz", "C-Class"): ru_noun("с класс", "c класс"),
    ("Mercedes-Benz", "S-Class"): ru_noun("s класс", "эска"),
    ("Mercedes-Benz", "A-Class"): ru_noun("а класс", "a класс"),
    **{("BMW", f"{n} Series"): ru_noun(f"{n} серия", f"{n}-я серия") for n in range(1, 9)},
    ("Volkswagen", "Golf"): ru_noun("гольф"),
    ("Volkswagen", "Polo"): ("поло",),
    ("Volkswagen", "Tiguan"): ru_noun("тигуан"),
    ("Volkswagen", "Touareg"): ru_noun("туарег"),
    ("Volkswagen", "Passat"): ru_noun("пассат"),
    ("Porsche", "Cayenne"): ru_noun("кайен", "каен"),
    ("Porsche", "Macan"): ru_noun("макан"),
    ("Porsche", "Panamera"): ru_noun("панамера"),
    ("Land Rover", "Range Rover"): ru_noun("рендж ровер", "рейндж ровер"),
    ("Land Rover", "Defender"): ru_noun("дефендер"),
    ("Land Rover", "Discovery"): ("дискавери",),
    ("Land Rover", "Range Rover Evoque"): ru_noun("эвок", "ивок"),
    ("Jeep", "Wrangler"): ru_noun("вранглер", "рэнглер"),
    ("Hyundai", "Sonata"): ru_noun("соната"),
    ("Hyundai", "Tucson"): ("туссан", "тусан"),
    ("Ford", "Mustang"): ru_noun("мустанг"),
}

# Slang and ordinary words that name a model only after its make ("тойота рафик").
MODEL_SLANG: dict[tuple[str, str], tuple[str, ...]] = {
    ("Toyota", "RAV4"): ru_noun("рафик"),
    ("Nissan", "Caravan"): ru_noun("караван"),
    ("BMW", "3 Series"): ru_noun("трешка", "трёшка"),
    ("BMW", "5 Series"): ru_noun("пятерка", "пятёрка"),
    ("BMW", "7 Series"): ru_noun("семерка", "семёрка"),
    # Lexus letters as a Russian speaker spells them: лексус рх, лх, нх.
    ("Lexus", "RX"): ("рх",),
    ("Lexus", "LX"): ("лх",),
    ("Lexus", "NX"): ("нх",),
    ("Lexus", "GX"): ("гх",),
}

# Models read without their make, in every script. Other English names ("note", "fit", "move",
# "every", "seven") are ordinary words, so they count only after the make; names with a digit
# (X5, RAV4, CX-5, 3 Series) and Japanese spellings of three kana or more count anywhere when
# the maker is one of core.vocab's major ones (a rare import's V8 or シエラ needs its make).
POPULAR_MODELS: tuple[tuple[str, str], ...] = (
    ("Toyota", "Prius"), ("Toyota", "Corolla"), ("Toyota", "Corolla Fielder"),
    ("Toyota", "Corolla Axio"), ("Toyota", "Camry"), ("Toyota", "Harrier"),
    ("Toyota", "Alphard"), ("Toyota", "Vellfire"), ("Toyota", "Land Cruiser"),
    ("Toyota", "Land Cruiser Prado"), ("Toyota", "Crown"), ("Toyota", "Crown Athlete"),
    ("Toyota", "Hiace"), ("Toyota", "Voxy"), ("Toyota", "Sienta"), ("Toyota", "Yaris"),
    ("Toyota", "Yaris Cross"), ("Toyota", "Vitz"), ("Toyota", "Hilux"), ("Toyota", "Supra"),
    ("Toyota", "Estima"), ("Toyota", "C-HR"), ("Toyota", "Mark X"), ("Toyota", "Probox"),
    ("Nissan", "Serena"), ("Nissan", "X-Trail"), ("Nissan", "Skyline"), ("Nissan", "GT-R"),
    ("Nissan", "Elgrand"), ("Nissan", "Fairlady Z"), ("Nissan", "Tiida"), ("Nissan", "Juke"),
    ("Nissan", "Murano"), ("Nissan", "Silvia"), ("Nissan", "Teana"),
    ("Honda", "N-BOX"), ("Honda", "Vezel"), ("Honda", "Odyssey"), ("Honda", "Civic"),
    ("Honda", "Step WGN"), ("Honda", "Freed"), ("Honda", "CR-V"),
    ("Mazda", "Demio"), ("Mazda", "Axela"), ("Mazda", "Atenza"), ("Mazda", "Premacy"),
    ("Subaru", "Impreza"), ("Subaru", "Impreza WRX STI"), ("Subaru", "Forester"),
    ("Subaru", "Levorg"), ("Subaru", "Outback"), ("Subaru", "BRZ"), ("Subaru", "XV"),
    ("Suzuki", "Jimny"), ("Suzuki", "Jimny Sierra"), ("Suzuki", "Hustler"),
    ("Suzuki", "Swift"), ("Suzuki", "Swift Sport"), ("Suzuki", "Wagon R"),
    ("Daihatsu", "Tanto"), ("Daihatsu", "Copen"), ("Daihatsu", "Hijet"),
    ("Mitsubishi", "Pajero"), ("Mitsubishi", "Pajero Mini"), ("Mitsubishi", "Outlander"),
    ("Mitsubishi", "Lancer Evolution"),
    ("Mercedes-Benz", "A-Class"), ("Mercedes-Benz", "C-Class"), ("Mercedes-Benz", "E-Class"),
    ("Mercedes-Benz", "S-Class"), ("Mercedes-Benz", "G-Class"), ("Mercedes-Benz", "GLA"),
    ("Mercedes-Benz", "GLB"), ("Mercedes-Benz", "GLC"), ("Mercedes-Benz", "GLE"),
    ("Mercedes-Benz", "GLS"), ("Mercedes-Benz", "CLA"), ("Mercedes-Benz", "CLS"),
    ("Volkswagen", "Golf"), ("Volkswagen", "Polo"), ("Volkswagen", "Tiguan"),
    ("Volkswagen", "Touareg"), ("Volkswagen", "Passat"),
    ("Porsche", "Cayenne"), ("Porsche", "Macan"), ("Porsche", "Panamera"),
    ("Porsche", "Boxster"), ("Porsche", "Cayman"), ("Porsche", "Taycan"),
    ("Land Rover", "Range Rover"), ("Land Rover", "Range Rover Sport"),
    ("Land Rover", "Range Rover Evoque"), ("Land Rover", "Range Rover Velar"),
    ("Land Rover", "Defender"), ("Land Rover", "Freelander"),
    ("Jeep", "Wrangler"), ("Jeep", "Grand Cherokee"),
    ("Tesla", "Model S"), ("Tesla", "Model X"), ("Tesla", "Model Y"), ("Tesla", "Model 3"),
    ("Volvo", "XC40"), ("Volvo", "XC60"), ("Volvo", "XC90"), ("Volvo", "V40"), ("Volvo", "V60"),
    ("MINI", "Countryman"), ("MINI", "Clubman"),
)
# fmt: on


def make_names() -> dict[str, tuple[str, ...]]:
    """Every spelling of every make: core.vocab's names and aliases, then MAKE_WORDS."""
    return {
        make.en: (make.en, make.ja, *make.aliases, *MAKE_WORDS.get(make.en, ())) for make in MAKES
    }


# --- aliases in a search ----------------------------------------------------------------------


def _alias_table() -> dict[str, tuple[str, str | None]]:
    """Folded alias → (the canonical make or model, the make it counts only beside, if any).

    Only what a listing's own text does not say: a listing holds the canonical and carsensor's
    Japanese names already. A spelling that names two makes or models is left as typed; one
    that names a make and a model (мини) is the make.
    """
    found: defaultdict[str, set[tuple[str, str | None]]] = defaultdict(set)
    for make, names in make_names().items():
        for name in names[1:]:
            found[fold_phrase(name)].add((make, None))
    for model in vocab.MODELS:
        for alias in model.aliases:
            found[fold_phrase(alias)].add((model.en, None))
    for words, bound in ((MODEL_WORDS, False), (MODEL_SLANG, True)):
        for (make, name), spellings in words.items():
            for spelling in spellings:
                found[fold_phrase(spelling)].add((name, make if bound else None))
    makes = {make.en for make in MAKES}
    table: dict[str, tuple[str, str | None]] = {}
    for spelling, meanings in found.items():
        chosen = {meaning for meaning in meanings if meaning[0] in makes} or meanings
        if len(chosen) == 1 and (meaning := chosen.pop())[0].lower() != spelling:
            table[spelling] = meaning
    return table


_ALIASES = _alias_table()
_ALIAS_LENGTHS: dict[str, tuple[int, ...]] = {
    first: tuple(sorted({len(s) for s in _ALIASES if s[0] == first}, reverse=True))
    for first in {s[0] for s in _ALIASES}
}


def _ends(text: str, end: int) -> bool:
    """Whether an alias found in a search ends a word: ミニ is no word of ミニバン (minivan)."""
    if end == len(text):
        return True
    before, after = text[end - 1], text[end]
    both_letters = before in WORD_CHARS and after in WORD_CHARS
    return not (both_letters or (is_katakana(before) and is_katakana(after)))


def canonical_query(text: str) -> str:
    """`text` with every make and model alias in it replaced by the canonical name.

    приус → Prius, ланд крузер прадо → Land Cruiser Prado, ランクル → Land Cruiser; the longest
    alias at each place wins, and slang that needs its make (тойота рафик) counts only beside
    it. An alias must be a whole word, in kana too: トヨタプリウス stays as typed, as a listing
    never says it so. Everything else stays as typed (folded: NFKC, lower case, ё as е).
    """
    folded = " ".join(unicodedata.normalize("NFKC", text).translate(_TRANSLATE).split()).lower()
    folded = _HOMOGLYPHS.sub(lambda m: _LATIN_OF[m.group(1)], folded)
    found: list[tuple[int, int, str, str | None]] = []
    i = 0
    while i < len(folded):
        match = None
        if word_start(folded, i, 0):
            for length in _ALIAS_LENGTHS.get(folded[i], ()):
                spelling = folded[i : i + length]
                if len(spelling) == length and spelling in _ALIASES and _ends(folded, i + length):
                    match = (i, i + length, *_ALIASES[spelling])
                    break
        if match is None:
            i += 1
        else:
            found.append(match)
            i = match[1]
    named = {name.lower() for _, _, name, _ in found} | set(folded.split())
    parts, end = [], 0
    for start, stop, name, needs in found:
        if needs is None or needs.lower() in named:
            parts += [folded[end:start], f" {name} "]
            end = stop
    return " ".join("".join([*parts, folded[end:]]).split())
