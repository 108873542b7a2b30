"""What buyers type in Russian, English and Japanese for everything but the car and the place.

Data only. Each table maps a filter value to its spellings; `phrases.py` folds them into one
index, with the makes and models of `core.lexicon` and the places of `core.prefectures`.
Russian words are written once, in their dictionary form, and `ru_noun` / `ru_adjective` add
the case forms (красный → красную, красного).
"""

from core.lexicon import en_plural, ru_adjective, ru_noun, ru_phrase

# fmt: off
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
# "The best deals" both filters and sorts: the deals (DEAL_WORDS), best first.
_BEST_DEALS = ("best deal", "best deals", "best deals first", "best value", "deals first",
               *ru_phrase((*_SUPERLATIVE, "наиболее"), ru_adjective("выгодн")),
               *ru_adjective("выгоднейш"), "сначала выгодные",
               "お買い得順", "お買い得な順", "お得な順", "お得順", "一番お買い得", "最もお買い得")
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
    # The best deals filter too; the order named alone ("by deal") sorts every car, those
    # without a market price last.
    "deal": (*_BEST_DEALS, "by deal", "sort by deal", "по выгодности"),
}

# Deals against the market price (core.market's bands). Naming a band means that band or
# better, as the replies label them: "good deal", "хорошая цена" and お買い得 are great or good;
# "great deal", "отличная цена" and 超お買い得 are great alone. 格安 and "cheap" stay the price
# sort (SORT_WORDS): they say cheap, not cheap for the car.
_RU_BELOW_MARKET = tuple(
    f"{price}{below} {market}"
    for price in ("", "цена ", "цены ", "цене ", "ценой ", "по цене ", "с ценой ")
    for below in ("ниже", "дешевле")
    for market in ("рынка", "рыночной", "рыночной цены", "рыночной стоимости", "среднего по рынку")
)
_EN_BELOW_MARKET = tuple(
    f"{below} {market}"
    for below in ("below", "under", "cheaper than", "priced below", "priced under")
    for market in ("market", "the market", "market price", "market value", "market average")
)
DEAL_WORDS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("great", "good"): (
        "deals", *en_plural("good deal", "bargain", "good price"), "good value", "underpriced",
        *_EN_BELOW_MARKET,
        *ru_adjective("выгодн"), "выгодно", "повыгоднее", *_RU_BELOW_MARKET,
        *ru_phrase(ru_adjective("хорош", "выгодн"), ru_noun("цена", "сделка")),
        *ru_phrase(ru_adjective("выгодн"),
                   ("предложение", "предложения", "предложений", *ru_noun("покупка"))),
        "お買い得", "お得", "割安", "掘り出し物",
        "相場より安い", "相場以下", "相場を下回る", "相場より下", "相場割れ",
        *_BEST_DEALS,
    ),
    ("great",): (
        *en_plural("great deal", "great price"), "great value",
        *ru_phrase(ru_adjective("отличн"), ru_noun("цена", "сделка")),
        *ru_phrase(("очень", "супер", "максимально"), ru_adjective("выгодн")),
        *ru_adjective("супервыгодн"),
        *(f"{much} {below} рынка" for much in ("намного", "сильно", "гораздо")
          for below in ("ниже", "дешевле")),
        "超お買い得", "かなりお買い得", "相場よりかなり安い",
    ),
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

# Grades buyers type after a model, as carsensor's grades write them in Latin: the free-text
# search (q), since a filter has no grade. Golf GTI is the Golf with a GTI grade.
GRADE_WORDS: dict[str, tuple[str, ...]] = {
    "GTI": ("gti", "гти"), "GTD": ("gtd",), "GTE": ("gte",), "TSI": ("tsi",), "TDI": ("tdi",),
    "TFSI": ("tfsi",), "RS": ("rs",), "NISMO": ("nismo", "нисмо", "ニスモ"), "TRD": ("trd",),
}

# English words that name a gearbox only in capitals ("AT", not "at").
UPPERCASE_ONLY = frozenset({"AT", "MT"})

# Words one letter away from a make or model that are not typos of it.
NOT_TYPOS = frozenset({"summer", "hustle", "defended", "organ", "serene", "wrangle", "pagan"})

# --- the shape of a message -------------------------------------------------------------------

# A message with one of these asks for a new search, not a refinement of the last one.
SEARCH_WORDS: tuple[str, ...] = (
    "найди", "найдите", "найти", "покажи", "покажите", "ищу", "ищем", "подбери", "подберите",
    "нужна", "нужен", "нужно", "хочу", "куплю", "find", "show me", "search", "looking for",
    "look for", "i want", "i need", "get me", "show", "recommend", "посоветуй", "посоветуйте",
    "посоветуешь", "подскажи", "подскажите", "探して", "探す", "検索", "見せて", "欲しい",
    "ほしい", "おすすめ",
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

# Words that ask for nothing: a message of these alone is not understood, and they are never
# named as words the bot did not know. Japanese particles (hiragana) are skipped as a class.
STOP_WORDS: tuple[str, ...] = (
    # Russian
    "а", "и", "в", "во", "на", "с", "со", "к", "ко", "по", "за", "из", "у", "о", "об", "от",
    "до", "для", "или", "но", "не", "ни", "же", "ли", "бы", "то", "это", "мне", "меня", "мой",
    "моя", "я", "мы", "нам", "нас", "вы", "вам", "вас", "ты", "тебе", "что", "чтобы", "как",
    "какой", "какая", "какую", "какие", "есть", "был", "была", "можно", "надо", "вот",
    "пожалуйста", "плиз", "привет", "здравствуйте", "здравствуй", "добрый", "доброе", "день",
    "вечер", "спасибо", "ну", "нибудь", "год", "года", "лет",
    "вариант", "варианты", "вариантов", *ru_noun("машина", "тачка", "автомобиль"), "авто",
    # English
    "a", "an", "the", "i", "me", "my", "we", "us", "you", "it", "please", "pls", "some", "any",
    "with", "in", "on", "at", "of", "for", "to", "from", "and", "or", "but", "is", "are", "be",
    "there", "have", "has", "do", "can", "could", "would", "like", "all", "hi", "hello", "hey",
    "thanks", "one", "ones", "something", "that", "this", "which", "what", "year", "years",
    *en_plural("car", "vehicle", "auto"), "used",
    # Japanese
    "中古車", "中古", "車", "お願い", "下さい", "希望",
)
# fmt: on
