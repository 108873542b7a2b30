"""What buyers type in Russian, English and Japanese, and the filter value each word stands for.

Data only. Each table maps a canonical value to its spellings; `phrases.py` folds them into one
index. Russian words are written once, in their dictionary form, and `ru_noun` / `ru_adjective`
add the case forms (тойота → тойоту, тойотой; красный → красную, красного). Makes, models and
the Japanese names come from `core.vocab`; the tables here add only what a listing never says:
Russian spellings, slang, and the words of a question.

Much of this (the Russian and English makes, colours and bodies) belongs in core/vocab.py once
the web app needs it too.
"""

from core.vocab import MAKES

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
    ("Toyota", "Land Cruiser"): ("landcruiser", "ланкрузер", "ланкрузак",
                                 *ru_noun("ленд крузер", "лэнд крузер", "ланд крузер",
                                          "ленд круизер", "крузак", "кукурузер")),
    ("Toyota", "Land Cruiser Prado"): ("прадо", "ленд крузер прадо", "крузак прадо"),
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

# --- attributes -------------------------------------------------------------------------------

COLOR_WORDS: dict[str, tuple[str, ...]] = {
    "white": ("white", "pearl white", *ru_adjective("бел", "перламутров"),
              "白", "ホワイト", "パール"),
    "black": ("black", *ru_adjective("черн"), "黒", "ブラック"),
    "gray": ("gray", "grey", *ru_adjective("сер", "графитов"),
             "灰", "グレー", "グレイ", "ガンメタ"),
    "silver": ("silver", *ru_adjective("серебрист", "серебрян"), "銀", "シルバー"),
    "red": ("red", "burgundy", *ru_adjective("красн", "бордов", "вишнев"),
            "赤", "レッド", "ワイン"),
    "blue": ("blue", "navy", *ru_adjective("син", "голуб"),
             "青", "ブルー", "紺", "ネイビー", "水色"),
    "green": ("green", *ru_adjective("зелен"), "緑", "グリーン", "カーキ"),
    "yellow": ("yellow", *ru_adjective("желт"), "黄", "イエロー"),
    "orange": ("orange", *ru_adjective("оранжев"), "橙", "オレンジ"),
    "brown": ("brown", *ru_adjective("коричнев"), "茶", "ブラウン"),
    "beige": ("beige", "беж", *ru_adjective("бежев"), "ベージュ"),
    "gold": ("gold", "golden", *ru_adjective("золот", "золотист"), "金色", "ゴールド"),
    "purple": ("purple", "violet", *ru_adjective("фиолетов"), "紫", "パープル"),
    "pink": ("pink", *ru_adjective("розов"), "桃色", "ピンク"),
}

BODY_WORDS: dict[str, tuple[str, ...]] = {
    "sedan": (*en_plural("sedan", "saloon"), *ru_noun("седан"), "セダン"),
    "hatchback": (*en_plural("hatchback", "hatch"),
                  *ru_noun("хэтчбек", "хетчбек", "хечбек", "хэтчбэк"),
                  "ハッチバック", "コンパクトカー", "コンパクト"),
    "suv": (*en_plural("suv", "crossover", "4x4", "offroader"), "off road", "off-roader",
            *ru_noun("внедорожник", "джип", "кроссовер", "паркетник"),
            "クロカン", "クロスカントリー", "クロスオーバー"),
    "minivan": (*en_plural("minivan", "mini van", "mpv", "people carrier"),
                *ru_noun("минивэн", "минивен", "мини вэн", "микроавтобус"),
                "ミニバン", "ワンボックス"),
    # ツーリング: carsensor's name for BMW's wagons (3シリーズツーリング, M5ツーリング).
    "wagon": (*en_plural("wagon", "station wagon", "estate"), *ru_noun("универсал"),
              "ステーションワゴン", "ワゴン", "ツーリング"),
    "coupe": (*en_plural("coupe", "coupé"), "купе", "クーペ"),
    "convertible": (*en_plural("convertible", "cabriolet", "cabrio", "roadster"),
                    *ru_noun("кабриолет", "кабрио", "родстер"),
                    "オープンカー", "カブリオレ", "コンバーチブル"),
    "kei": (*en_plural("kei", "kei car", "k car", "keicar"),
            *ru_noun("кей кар", "кейкар", "кэй кар"), "кей",
            "軽自動車", "軽", "軽トラ", "軽トラック", "軽バン"),
    "truck": (*en_plural("truck", "pickup", "pick up", "pickup truck", "lorry"),
              *ru_noun("грузовик", "пикап", "грузовичок"), "トラック", "ピックアップ"),
    "van": (*en_plural("van", "cargo van", "panel van"), *ru_noun("фургон"),
            "バン", "商用車", "ライトバン"),
}

TRANSMISSION_WORDS: dict[str, tuple[str, ...]] = {
    "automatic": ("automatic", "auto transmission", "automatic transmission", "a/t", "AT",
                  "tiptronic", "dct", "dsg", *ru_noun("автомат", "акпп", "робот", "типтроник"),
                  *ru_adjective("автоматическ"),
                  "オートマ", "オートマチック", "at車", "オートマ車"),
    "manual": ("manual", "stick", "stick shift", "manual transmission", "m/t", "MT",
               *ru_noun("механика", "мкпп", "ручка"), *ru_adjective("механическ"),
               "マニュアル", "mt車", "マニュアル車"),
    "cvt": ("cvt", *ru_noun("вариатор"), "無段変速"),
}

FUEL_WORDS: dict[str, tuple[str, ...]] = {
    "gasoline": ("gasoline", "petrol", "gas", *ru_noun("бензин"), *ru_adjective("бензинов"),
                 "ガソリン"),
    "diesel": (*en_plural("diesel"), *ru_noun("дизель", "дизелек", "дизелёк"),
               *ru_adjective("дизельн"), "ディーゼル", "クリーンディーゼル", "軽油"),
    "hybrid": (*en_plural("hybrid"), "phev", "plug in hybrid", "e-power", *ru_noun("гибрид"),
               *ru_adjective("гибридн"), "ハイブリッド", "ハイブリット"),
    "electric": ("electric", *en_plural("ev", "bev", "electric car"), "электро",
                 *ru_noun("электромобиль", "электрокар"), *ru_adjective("электрическ"),
                 "電気自動車", "電気"),
}

REPAIR_WORDS: dict[bool, tuple[str, ...]] = {
    False: ("no accidents", "no accident", "accident free", "accident-free",
            "no accident history", "no repair history", "without accidents", "undamaged",
            "not damaged", "без дтп", "без аварий", "без повреждений", *ru_adjective("небит"),
            *(f"не {form}" for form in ru_adjective("бит")),
            "修復歴なし", "修復歴無し", "修復歴無", "事故歴なし", "事故歴無し", "無事故"),
    True: ("damaged", "accident damaged", "with accident history", "после дтп", "с дтп",
           *ru_adjective("бит", "аварийн"), "修復歴あり", "修復歴有り", "事故車", "事故歴あり"),
}

_SUPERLATIVE = ru_adjective("сам")
SORT_WORDS: dict[str, tuple[str, ...]] = {
    "price": ("cheapest", "cheap", "inexpensive", "lowest price", "low price", "sort by price",
              "by price", "price low to high", *ru_adjective("дешев", "недорог", "дешевейш"),
              "по цене", "一番安い", "最安", "最安値", "安い順", "安い", "格安", "価格の安い順",
              "安価"),
    "-price": ("most expensive", "priciest", "price high to low",
               *ru_phrase(_SUPERLATIVE, ru_adjective("дорог")),
               "一番高い", "高い順", "価格の高い順"),
    "-year": ("newest", "latest", "newest first", *ru_phrase(_SUPERLATIVE, ru_adjective("нов")),
              *ru_adjective("свеж", "новейш"), "最新", "新しい順", "年式が新しい", "年式の新しい",
              "一番新しい", "新しい"),
    "year": ("oldest", *ru_phrase(_SUPERLATIVE, ru_adjective("стар")), "古い順", "一番古い"),
    "mileage": ("lowest mileage", "least mileage", "low mileage", "fewest km", "least km",
                "low km", "low kms", "by mileage", "по пробегу",
                *ru_phrase(ru_adjective("наименьш", "минимальн", "маленьк", "небольш", "мал",
                                        "низк"),
                           ru_noun("пробег")),
                "走行距離が少ない", "走行距離の少ない", "走行少なめ", "低走行", "走行距離が短い"),
    "-mileage": ("highest mileage", "most mileage"),
    "-updated": ("newly listed", "latest listings", "new listings", "recently listed",
                 "just listed",
                 *ru_phrase(ru_adjective("свеж", "нов", "последн"), ("объявления", "объявлений")),
                 "新着", "新着順"),
}

# Comparatives that refine the previous search ("а подешевле?"), when no amount is given.
RELATIVE_WORDS: dict[str, tuple[str, ...]] = {
    "cheaper": ("cheaper", "less expensive", "lower price", "more affordable", "подешевле",
                "дешевле", "по дешевле", "подешевше", "бюджетнее",
                "もっと安い", "より安い", "安め", "もう少し安い"),
    "newer": ("newer", "more recent", "поновее", "по новее", "новее", "посвежее", "моложе",
              "もっと新しい", "より新しい", "新しめ"),
    "less_mileage": ("lower mileage", "less mileage", "fewer km", "fewer miles",
                     "пробег поменьше", "поменьше пробег", "меньше пробег", "пробегом поменьше",
                     *ru_phrase(ru_adjective("меньш"), ru_noun("пробег")),
                     "もっと走行距離が少ない", "走行距離がもっと少ない"),
}

# English words that name a gearbox only in capitals ("AT", not "at").
UPPERCASE_ONLY = frozenset({"AT", "MT"})

# Words one letter away from a make or model that are not typos of it.
NOT_TYPOS = frozenset({"summer", "hustle", "defended", "organ", "serene", "wrangle", "pagan"})

# --- places -----------------------------------------------------------------------------------

# Each prefecture as listings store it, then its romaji and Russian names; the Japanese name
# without 都/府/県 is added by phrases.py.
PREFECTURES: tuple[tuple[str, ...], ...] = (
    ("北海道", "hokkaido", "хоккайдо"), ("青森県", "aomori", "аомори"),
    ("岩手県", "iwate", "иватэ", "ивате"), ("宮城県", "miyagi", "мияги"),
    ("秋田県", "akita", "акита"), ("山形県", "yamagata", "ямагата"),
    ("福島県", "fukushima", "фукусима"), ("茨城県", "ibaraki", "ибараки"),
    ("栃木県", "tochigi", "тотиги", "точиги"), ("群馬県", "gunma", "гумма", "гунма"),
    ("埼玉県", "saitama", "сайтама"), ("千葉県", "chiba", "тиба", "чиба"),
    ("東京都", "tokyo", "токио"), ("神奈川県", "kanagawa", "канагава"),
    ("新潟県", "niigata", "ниигата"), ("富山県", "toyama", "тояма"),
    ("石川県", "ishikawa", "исикава", "ишикава"), ("福井県", "fukui", "фукуи"),
    ("山梨県", "yamanashi", "яманаси", "яманаши"), ("長野県", "nagano", "нагано"),
    ("岐阜県", "gifu", "гифу"), ("静岡県", "shizuoka", "сидзуока", "шизуока"),
    ("愛知県", "aichi", "айти", "аити", "аичи"), ("三重県", "mie", "миэ", "мие"),
    ("滋賀県", "shiga", "сига", "шига"), ("京都府", "kyoto", "киото"),
    ("大阪府", "osaka", "осака"), ("兵庫県", "hyogo", "хиого", "хёго"),
    ("奈良県", "nara", "нара"), ("和歌山県", "wakayama", "вакаяма"),
    ("鳥取県", "tottori", "тоттори"), ("島根県", "shimane", "симанэ", "шимане"),
    ("岡山県", "okayama", "окаяма"), ("広島県", "hiroshima", "хиросима"),
    ("山口県", "yamaguchi", "ямагути", "ямагучи"), ("徳島県", "tokushima", "токусима"),
    ("香川県", "kagawa", "кагава"), ("愛媛県", "ehime", "эхимэ", "эхиме"),
    ("高知県", "kochi", "коти", "кочи"), ("福岡県", "fukuoka", "фукуока"),
    ("佐賀県", "saga", "сага"), ("長崎県", "nagasaki", "нагасаки"),
    ("熊本県", "kumamoto", "кумамото"), ("大分県", "oita", "оита"),
    ("宮崎県", "miyazaki", "миядзаки", "миязаки"), ("鹿児島県", "kagoshima", "кагосима"),
    ("沖縄県", "okinawa", "окинава"),
)

# Big cities people name instead of their prefecture.
CITIES: dict[str, tuple[str, ...]] = {
    "愛知県": ("nagoya", "нагоя", "名古屋"),
    "神奈川県": ("yokohama", "иокогама", "йокогама", "横浜"),
    "兵庫県": ("kobe", "кобе", "神戸"),
    "北海道": ("sapporo", "саппоро", "札幌"),
    "宮城県": ("sendai", "сендай", "仙台"),
}

# --- the shape of a message -------------------------------------------------------------------

# A message with one of these asks for a new search, not a refinement of the last one.
SEARCH_WORDS: tuple[str, ...] = (
    "найди", "найдите", "найти", "покажи", "покажите", "ищу", "ищем", "подбери", "подберите",
    "нужна", "нужен", "нужно", "хочу", "куплю", "find", "show me", "search", "looking for",
    "look for", "i want", "i need", "get me", "探して", "探す", "検索", "見せて", "欲しい",
    "ほしい",
)

# A message that starts with one of these, or says "only", refines the last search.
FOLLOWUP_OPENERS: tuple[str, ...] = (
    "а", "и", "ну а", "но", "and", "but", "now", "then", "so", "what about", "how about",
    "also", "same", "じゃあ", "では", "それなら", "なら", "今度は",
)
FOLLOWUP_WORDS: tuple[str, ...] = (
    "только", "лишь", "ещё", "еще", "тогда", "теперь", "only", "just", "instead",
    "だけ", "のみ", "に絞って",
)
# fmt: on


def make_names() -> dict[str, tuple[str, ...]]:
    """Every spelling of every make: core.vocab's names and aliases, then MAKE_WORDS."""
    return {
        make.en: (make.en, make.ja, *make.aliases, *MAKE_WORDS.get(make.en, ())) for make in MAKES
    }
