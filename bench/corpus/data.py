"""Static data: vocabularies, names, domains, mail-program profiles, attachment kinds."""

from __future__ import annotations

from typing import NamedTuple

from bench.corpus.mime import _Weighted

# The letter "q" appears nowhere below: it is reserved for the marker words.


def _split(spec: str, sep: str = "/") -> list[tuple[str, ...]]:
    """``"a/b/1 c/d/2"`` -> ``[("a", "b", 1.0), ("c", "d", 2.0)]`` (the last field a weight)."""
    return [(*f[:-1], float(f[-1])) for f in (item.split(sep) for item in spec.split())]


def _prefixes(spec: str) -> _Weighted:  # "_" stands for a space
    return _Weighted((p.replace("_", " "), w) for p, w in _split(spec))


def _pairs(spec: str) -> list[tuple[str, str]]:
    return [(a, b) for a, b in (item.split(":") for item in spec.split())]


_EN_FUNC = (
    "the of and to a in is it you that he was for on are with as I his they be at one have "
    "this from or had by not but what all were we when your can said there use an each which "
    "she do how their if will up other about out many then them these so some her would make "
    "like him into time has look two more write go see number no way could people my than "
    "first been call who its now find long down day did get come made may part please thanks "
    "don't it's we'll I'm can't let's"
).split()
_DE_FUNC = (
    "und der die das in zu den nicht von sie ist des sich mit dem dass er es ein ich auf so "
    "eine auch als an nach wie im für man aber aus durch wenn nur war noch werden bei hat wir "
    "was wird sein einen sind oder um über können müssen bitte Grüße möchte schön natürlich "
    "später ähnlich würde prüfen Größe Straße Änderung Übersicht"
).split()
_FR_FUNC = (
    "le la les de des et à un une pour dans est pas nous vous il elle en du au sur ce "
    "avec cette être très déjà où après même été ça merci bien réunion prochaine réponse "
    "cœur œuvre sœur fenêtre château"
).split()
_RU_FUNC = (
    "и в не на я что он с как а то все она так его но да ты к у же вы за бы по только её мне "
    "было вот от меня ещё нет о из ему теперь когда даже ну ли если уже или ни быть был до вас "
    "опять вам ведь там потом себя ничего может они тут где есть надо для мы тебя их чем была "
    "сам без чего раз тоже себе под будет тогда кто этот спасибо пожалуйста"
).split()
_SYLLABLES = {  # onsets, nuclei, codas ("|"-separated, empty entries allowed)
    "en": (
        "|b|bl|br|c|ch|cl|cr|d|dr|f|fl|fr|g|gl|gr|h|j|k|l|m|n|p|pl|pr|r|s|sh|sk|sl|sp|st|str|t|th"
        "|tr|v|w|wh|y",
        "a|e|i|o|u|ai|ea|ee|oo|ou|ie|oa|y",
        "|||n|r|s|t|l|m|nd|nt|st|rk|ng|ck|sh|th|ll|ss|x|z",
    ),
    "de": (
        "|b|d|f|g|h|k|l|m|n|p|r|s|t|w|sch|st|sp|br|fr|gr|kr|tr|pf|z",
        "a|e|i|o|u|ä|ö|ü|ei|au|ie|eu",
        "||n|r|s|t|ch|ng|nd|lt|ß|tz|rm",
    ),
    "fr": (
        "|b|c|d|f|g|j|l|m|n|p|r|s|t|v|ch|br|cr|pl|tr|ç",
        "a|e|i|o|u|é|è|ê|ai|ou|eau|oi|au|â|ô|û",
        "||n|r|s|l|t|x",
    ),
    "ru": (
        "|б|в|г|д|ж|з|к|л|м|н|п|р|с|т|ф|х|ц|ч|ш|щ|бр|гр|др|кр|пр|ст|тр",
        "а|е|и|о|у|ы|я|ю|э|ё",
        "|||н|р|с|т|л|й|м|к",
    ),
}
_HIRAGANA = (
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわん"
)
_KATAKANA = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
)
_KANJI = (
    "日本語会議資料確認予定時間場所連絡事項報告提案検討対応問題結果今後新規担当者部署開発製品"
    "顧客営業管理情報技術設計変更追加削除完了開始終了期限価格注文発送到着請求支払契約"
)
_JA_PARTICLES = "はがをにでとのもへ"
_JA_ENDS = ("です。", "ます。", "。", "でした。", "ました。", "ください。")

_NAMES = {  # given names, family names
    "en": (
        "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
        "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa "
        "Anthony Betty Mark Sandra Paul Ashley Steven Kimberly Andrew Emily Kevin Donna Brian "
        "Michelle George Carol Edward Amanda Ronald Melissa Timothy Deborah Priya Wei Aisha",
        "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
        "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
        "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
        "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell "
        "O'Brien Carter Roberts Patel Chen",
    ),
    "de": (
        "Jörg Jürgen Günter Björn Käthe Sören Bärbel Uwe Hans Klaus Stefan Anja Katrin Ulrike "
        "Dörte Mareike Jan Lukas Jonas Lea Sophie Maximilian Grete Jens Birgit",
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
        "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann "
        "Hartmann Lange Schmitt Werner Krause Köhler Weiß Fuß Jäger Böhm",
    ),
    "fr": (
        "François Hélène Jérôme Élodie Benoît Céline Gaëlle Loïc Anaïs Stéphane Frédéric Noémie "
        "Théo Léa Chloé Zoé Cécile Amélie Rémi",
        "Lefèvre Dubois Durand Leroy Moreau Simon Laurent Lefebvre Michel Bertrand Roux Vincent "
        "Fournier Morel Girard André Mercier Dupont Lambert Bonnet Béranger",
    ),
}
# (display, romanised) pairs
_RU_M = _pairs(
    "Алексей:aleksey Дмитрий:dmitry Сергей:sergey Андрей:andrey Михаил:mikhail Иван:ivan "
    "Владимир:vladimir Павел:pavel"
)
_RU_F = _pairs(
    "Наталья:natalya Ольга:olga Екатерина:ekaterina Юлия:yulia Татьяна:tatyana Анна:anna "
    "Мария:maria"
)
_RU_LAST = _pairs(
    "Иванов:ivanov Смирнов:smirnov Кузнецов:kuznetsov Попов:popov Васильев:vasilyev "
    "Петров:petrov Соколов:sokolov Фёдоров:fyodorov Морозов:morozov Волков:volkov"
)
_JA_LAST = _pairs(
    "佐藤:sato 鈴木:suzuki 高橋:takahashi 田中:tanaka 伊藤:ito 渡辺:watanabe 山本:yamamoto "
    "中村:nakamura 小林:kobayashi 加藤:kato 佐々木:sasaki"
)
_JA_FIRST = _pairs(
    "太郎:taro 花子:hanako 健:ken 誠:makoto 裕子:yuko 直子:naoko 大輔:daisuke 翔太:shota "
    "美咲:misaki 陽子:yoko"
)
_DOMAINS = {
    "en": (
        "acme-widgets.example initech.example globex.test hooli.example "
        "northwind-traders.example contoso.test fabrikam.example umbrella-labs.example "
        "example.com example.net"
    ).split(),
    "de": "beispiel-gmbh.example mustermann-ag.example stadtwerke-nord.test werkzeugbau.example".split(),
    "fr": "exemple-sarl.example boulangerie-martin.test mairie-exemple.example".split(),
    "ru": "primer-ooo.example zavod-sever.test".split(),
    "ja": "rei-kabushiki.example tanaka-shoji.test".split(),
    "free": "mailbox.example inbox.test post.example.net webmail.example.com".split(),
}
_BULK = [  # notification and newsletter senders
    tuple(item.split("|"))
    for item in (
        "GitForge|notifications@gitforge.example;Shop Deals|news@shop.example;"
        "Calendar|calendar-notification@cal.example;MyBank Alerts|alerts@bank.test;"
        "Travel Weekly|deals@travel.example;Forum Digest|digest@forum.test;"
        "Tracker|tracker@issues.example;Cloud Billing|billing@cloud.example;"
        "Social Network|no-reply@social.example;Build Bot|ci@builds.example"
    ).split(";")
]
_LISTS = [  # mailing lists at lists.example.net: (local part, description)
    tuple(item.split("|"))
    for item in (
        "dev|Project developers;users|User discussion;announce|Announcements;"
        "ops|Operations team;book-club|Book club;verein|Vereinsmitglieder;rassylka|Rassylka;"
        "kaihatsu|Kaihatsu"
    ).split(";")
]
_LIST_IP = "198.51.100.25"
_LANG_SHARE = _split("en/58 en8/10 de/12 fr/7 ru/7 ja/6")  # "en8": English, typographic quotes
_TZ = {  # UTC offsets in minutes
    "en": (-480, -420, -360, -300, -240, 0, 60, 330, 600),
    "de": (60, 120),
    "fr": (60, 120),
    "ru": (180, 300),
    "ja": (540,),
}
_PROFILE_SHARE = {  # which mail program a sender uses
    "en": _split("gmail/35 outlook/25 apple/15 thunderbird/10 mutt/5 roundcube/10"),
    "de": _split("outlook/35 thunderbird/25 gmail/20 apple/10 roundcube/10"),
    "fr": _split("outlook/35 thunderbird/25 gmail/20 apple/10 roundcube/10"),
    "ru": _split("thunderbird/30 gmail/30 outlook/20 roundcube/20"),
    "ja": _split("outlook/30 thunderbird/25 gmail/30 apple/15"),
}
_ORDER = {  # the order (and spelling) in which each mail program writes its header fields
    "gmail": "MIME-Version References In-Reply-To From Date Message-ID Subject To Cc Content-Type "
    "Content-Transfer-Encoding",
    "thunderbird": "Message-ID Date MIME-Version User-Agent Content-Language Subject To Cc "
    "References From In-Reply-To Content-Type Content-Transfer-Encoding",
    "outlook": "From To CC Subject Thread-Topic Thread-Index Date Message-ID References "
    "In-Reply-To Accept-Language Content-Language X-MS-Has-Attach Content-Type "
    "Content-Transfer-Encoding MIME-Version",
    "apple": "From Content-Type Content-Transfer-Encoding Mime-Version Subject Message-Id Date Cc "
    "To In-Reply-To References X-Mailer",
    "mutt": "Date From To Cc Subject Message-ID References In-Reply-To MIME-Version Content-Type "
    "Content-Disposition Content-Transfer-Encoding User-Agent",
    "roundcube": "MIME-Version Date From To Cc Subject In-Reply-To References Message-ID X-Sender "
    "User-Agent Content-Type Content-Transfer-Encoding",
    "bulk": "Date To From Reply-To Subject Message-ID X-Mailer MIME-Version Content-Type "
    "Content-Transfer-Encoding",
    "postfix": "Date From Subject To Auto-Submitted MIME-Version Content-Type Message-Id",
}
_AGENT = {
    "thunderbird": ("User-Agent", "Mozilla Thunderbird"),
    "apple": ("X-Mailer", "Apple Mail (2.3774.300.61.1.2)"),
    "mutt": ("User-Agent", "Mutt/2.2.12 (2023-09-09)"),
    "roundcube": ("User-Agent", "Roundcube Webmail/1.6.5"),
    "outlook": ("X-Mailer", "Microsoft Outlook 16.0"),
    "bulk": ("X-Mailer", "PHPMailer 6.9.1 (https://github.com/PHPMailer/PHPMailer)"),
}
_BODY_ENC = {  # charset/transfer encoding/weight of text bodies
    "en": _split("us-ascii/7bit/50 utf-8/7bit/30 utf-8/quoted-printable/10 iso-8859-1/7bit/10"),
    "en8": _split(
        "windows-1252/quoted-printable/45 utf-8/quoted-printable/30 utf-8/base64/15 utf-8/8bit/10"
    ),
    "de": _split(
        "iso-8859-1/quoted-printable/35 utf-8/quoted-printable/25 utf-8/8bit/15 "
        "iso-8859-15/quoted-printable/10 utf-8/base64/10 windows-1252/quoted-printable/5"
    ),
    "fr": _split(
        "iso-8859-15/quoted-printable/30 utf-8/quoted-printable/30 "
        "windows-1252/quoted-printable/20 utf-8/base64/10 utf-8/8bit/10"
    ),
    "ru": _split(
        "koi8-r/base64/30 koi8-r/8bit/10 koi8-r/quoted-printable/10 utf-8/base64/35 "
        "windows-1251/base64/15"
    ),
    "ja": _split("iso-2022-jp/7bit/45 shift_jis/base64/20 utf-8/base64/30 utf-8/8bit/5"),
}
_HDR_ENC = {  # charset/RFC 2047 encoding/weight of encoded words
    "en": _split("utf-8/Q/60 utf-8/B/40"),
    "en8": _split("windows-1252/Q/40 utf-8/Q/35 utf-8/B/25"),
    "de": _split("iso-8859-1/Q/45 utf-8/Q/25 utf-8/B/20 iso-8859-15/Q/10"),
    "fr": _split("iso-8859-15/Q/35 utf-8/Q/35 windows-1252/Q/15 utf-8/B/15"),
    "ru": _split("koi8-r/B/50 utf-8/B/40 koi8-r/Q/10"),
    "ja": _split("iso-2022-jp/B/55 shift_jis/B/15 utf-8/B/30"),
}


class _Phrases(NamedTuple):
    greet: tuple[str, ...]
    close: tuple[str, ...]
    wrote: str
    banner: str  # inline forward
    reply: _Weighted  # subject prefixes
    forward: tuple[str, ...]


_PHRASES = {
    "en": _Phrases(
        ("Hi {n},", "Hello {n},", "Dear {n},", "Hey {n},", "Good morning {n},"),
        ("Best regards,", "Thanks,", "Cheers,", "Kind regards,", "Best,"),
        "On {d}, {n} wrote:",
        "---------- Forwarded message ---------",
        _prefixes("Re:_/85 RE:_/10 Re:_Re:_/5"),
        ("Fwd: ", "Fw: ", "FW: "),
    ),
    "de": _Phrases(
        ("Hallo {n},", "Lieber {n},", "Guten Tag {n},", "Sehr geehrte Damen und Herren,"),
        ("Viele Grüße", "Mit freundlichen Grüßen", "Beste Grüße", "Gruß"),
        "Am {d} schrieb {n}:",
        "-------- Weitergeleitete Nachricht --------",
        _prefixes("AW:_/50 Re:_/40 Aw:_/5 AW:_AW:_/5"),
        ("WG: ", "Fwd: "),
    ),
    "fr": _Phrases(
        ("Bonjour {n},", "Cher {n},", "Salut {n},", "Madame, Monsieur,"),
        ("Cordialement,", "Bien à vous,", "Merci d'avance,", "Bonne journée,"),
        "Le {d}, {n} a écrit :",
        "-------- Message transféré --------",
        _prefixes("Re:_/60 RE_:_/40"),
        ("TR : ", "Fwd: "),
    ),
    "ru": _Phrases(
        ("Здравствуйте, {n}!", "Привет, {n}!", "Добрый день, {n}!"),
        ("С уважением,", "Спасибо,", "Всего доброго,"),
        "{d}, {n} пишет:",
        "-------- Пересылаемое сообщение --------",
        _prefixes("Re:_/100"),
        ("Fwd: ",),
    ),
    "ja": _Phrases(
        ("{n}様", "{n}さん", "お世話になっております。"),
        ("よろしくお願いいたします。", "以上です。", "宜しくお願いします。"),
        "{d} {n} さんは書きました:",
        "-------- 転送メッセージ --------",
        _prefixes("Re:_/80 RE:_/20"),
        ("Fwd: ", "FW: "),
    ),
}
_OOXML = "application/vnd.openxmlformats-officedocument."
_ATTACH = (  # extension, content type, magic (see _MAGIC), weight, median size in bytes
    ("pdf", "application/pdf", "pdf", 34, 30_000),
    ("jpg", "image/jpeg", "jpg", 20, 50_000),
    ("png", "image/png", "png", 12, 25_000),
    ("docx", _OOXML + "wordprocessingml.document", "zip", 9, 20_000),
    ("xlsx", _OOXML + "spreadsheetml.sheet", "zip", 6, 15_000),
    ("zip", "application/zip", "zip", 5, 40_000),
    ("ics", "text/calendar", "", 8, 0),
    ("txt", "text/plain", "", 3, 0),
    ("csv", "text/csv", "", 3, 0),
)
_ATTACH_W = _Weighted((a, a[3]) for a in _ATTACH)
_MAGIC = {  # what the first and last bytes of such a file look like
    "pdf": (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Length 0 /Filter /FlateDecode >>\nstream\n",
        b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
    ),
    "png": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x04\x00\x00\x00\x03\x00\x08\x06\x00\x00\x00",
        b"\x00\x00\x00\x00IEND\xaeB`\x82",
    ),
    "jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00H\x00H\x00\x00", b"\xff\xd9"),
    "zip": (b"PK\x03\x04\x14\x00\x08\x00\x08\x00", b"PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00"),
}
_STEMS = {  # attachment file names
    "en": (
        "Invoice_{n}",
        "Report {W} {y}",
        "{W}_{W}_v{d}",
        "Scan_{t}",
        "Agenda {W}",
        "Contract_{n}",
    ),
    "de": ("Rechnung_{n}", "Angebot {W}", "Übersicht_{y}", "Präsentation_{W}", "Protokoll {t}"),
    "fr": ("Facture_{n}", "Présentation {W}", "Compte-rendu_{t}", "Devis_{n}"),
    "ru": ("Договор_{n}", "Счёт_{n}", "Отчёт {y}"),
    "ja": ("見積書_{n}", "資料_{t}", "議事録_{t}"),
}
_IMAGE_STEMS = ("IMG_{n}", "image00{d}", "Screenshot {t} at {h}", "photo", "scan{d}")
_NEWSLETTER_CSS = (
    '<style type="text/css">\n'
    + "".join(
        f".c{k} {{ font-family: Helvetica, Arial, sans-serif; font-size: {11 + k % 6}px; "
        f"line-height: 1.{k % 9}; color: #{k * 2654435 % 0xFFFFFF:06x}; padding: {k % 7}px; }}\n"
        for k in range(40)
    )
    + "</style>\n"
)
_KINDS = _Weighted(_split("plain/55 alt/25 mixed/15 fwd/2 html/2.5 dsn/0.5"))
_BODY_MEDIAN = 2200  # characters of new text; tuned for a median message of ~8 KB
_ATTACH_SIGMA = 1.25
_FLAG_ODDS = _split(
    "\\Flagged/0.05 $Forwarded/0.02 \\Deleted/0.004 \\Draft/0.002 $Junk/0.01 $NotJunk/0.02 "
    "$MDNSent/0.005 $label1/0.01"
)
_CONTENT_LANGUAGE = dict(_pairs("en:en-US en8:en-GB de:de-DE fr:fr-FR ru:ru ja:ja"))
_MAILDIR_FLAGS = dict(
    _pairs("\\Draft:D \\Flagged:F $Forwarded:P \\Answered:R \\Seen:S \\Deleted:T")
)
