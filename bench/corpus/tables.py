"""Tables built once from the static data (vocabularies, senders, weights)."""

from __future__ import annotations

import bisect
import itertools
import random
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from bench.corpus.data import (
    _BODY_ENC,
    _BULK,
    _DE_FUNC,
    _DOMAINS,
    _EN_FUNC,
    _FR_FUNC,
    _HDR_ENC,
    _HIRAGANA,
    _JA_ENDS,
    _JA_FIRST,
    _JA_LAST,
    _JA_PARTICLES,
    _KANJI,
    _KATAKANA,
    _LANG_SHARE,
    _NAMES,
    _PHRASES,
    _PROFILE_SHARE,
    _RU_F,
    _RU_FUNC,
    _RU_LAST,
    _RU_M,
    _SYLLABLES,
    _TZ,
    _Phrases,
)
from bench.corpus.mime import _b64, _pick, _Weighted, _wrap


class _Lang(NamedTuple):
    code: str  # "en8" is English with typographic punctuation
    sentences: list[str]
    paras: list[tuple[str, str]]  # paragraph pool: (text, text wrapped to `wrap` columns)
    vocab: list[str]
    cum: list[float]
    sep: str
    wrap: int
    scale: float  # body length factor (bytes per character)
    body_enc: _Weighted
    hdr_enc: _Weighted
    phrases: _Phrases


class _Sender(NamedTuple):
    name: str
    addr: str
    lang: str
    tz: int
    profile: str
    dkim: bool
    company: str
    ip: str


def _ascii(s: str) -> str:
    s = s.translate({0xE4: "ae", 0xF6: "oe", 0xFC: "ue", 0xDF: "ss", 0x27: ""})
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()


def _vocab(rng: random.Random, lang: str, func: list[str], size: int) -> list[str]:
    r, seen, scored = rng.random, set(func), []
    if lang == "ja":
        while len(scored) < size:
            x = r()
            if x < 0.4:
                w = _pick(r, _KANJI) + _pick(r, _KANJI)
            elif x < 0.7:
                w = "".join(_pick(r, _HIRAGANA) for _ in range(2 + int(r() * 3)))
            else:
                w = "".join(_pick(r, _KATAKANA) for _ in range(3 + int(r() * 3))) + "ー"
            if w not in seen:
                seen.add(w)
                scored.append((len(w) + r() * 2, w))
    else:
        onsets, nuclei, codas = (part.split("|") for part in _SYLLABLES[lang])
        while len(scored) < size:
            ns = 1 + int(r() * r() * 4)
            w = "".join(_pick(r, onsets) + _pick(r, nuclei) + _pick(r, codas) for _ in range(ns))
            if len(w) > 1 and w not in seen:
                seen.add(w)
                scored.append((ns + r() * 1.5, w))
    scored.sort()
    return func + [w for _, w in scored]


def _sentences(
    rng: random.Random, lang: str, vocab: list[str], cum: list[float], n: int
) -> list[str]:
    r, total, out = rng.random, cum[-1], []
    for _ in range(n):
        k = 4 + int(r() * r() * 22)
        words = [vocab[bisect.bisect(cum, r() * total)] for _ in range(k)]
        if lang == "ja":
            s = "".join(w + (_pick(r, _JA_PARTICLES) if r() < 0.6 else "") for w in words)
            if r() < 0.4:
                cut = int(r() * len(s))
                s = s[:cut] + "、" + s[cut:]
            out.append(s + _pick(r, _JA_ENDS))
            continue
        x = r()
        if x < 0.05:
            words.insert(int(r() * k), str(int(r() * r() * 5000)))
        elif x < 0.07:
            words.insert(
                int(r() * k), f"https://www.{_pick(r, _DOMAINS['en'])}/{words[0]}/{words[-1]}"
            )
        elif x < 0.08:
            words.insert(int(r() * k), f"{int(r() * 900) + 10},{int(r() * 90) + 10}")
        if r() < 0.3:
            words[int(r() * (k - 1))] += ","
        s = " ".join(words)
        out.append(s[0].upper() + s[1:] + _pick(r, (".", ".", ".", ".", ".", ".", "?", "!", "...")))
    return out


def _para(text: str, width: int) -> tuple[str, str]:
    return text, "\n".join(_wrap(text, width))


def _typographic(text: str) -> str:
    return text.replace("'", "\u2019").replace("...", "\u2026").replace(", ", " \u2013 ", 1)


class _Tables(NamedTuple):
    langs: dict[str, _Lang]
    senders: list[_Sender]
    sender_w: _Weighted
    pool: bytes  # base64 of random bytes: _POOL_LINES lines of 76 characters + CRLF


_POOL_LINES = 80_000  # 4.5 MB of random payload, sliced (line-aligned) into attachments


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    """Vocabularies, sentence and paragraph pools, senders: fixed, independent of the seed.

    Text is drawn from pools of pre-wrapped paragraphs and attachment payloads are slices of
    one random block: that keeps 100,000 messages well under a minute."""
    rng = random.Random(0x6D61696C)
    langs = _languages(rng)
    senders = _senders(rng)
    weights = _Weighted((k, 1.0 / (k + 1) ** 0.9) for k in range(len(senders)))  # Zipf-like
    pool = _b64(rng.getrandbits(8 * 57 * _POOL_LINES).to_bytes(57 * _POOL_LINES, "little"))
    return _Tables(langs, senders, weights, pool)


def _languages(rng: random.Random) -> dict[str, _Lang]:
    r = rng.random
    langs: dict[str, _Lang] = {}
    specs = {  # function words, pseudo-words, sentences, paragraphs, separator, wrap, scale
        "en": (_EN_FUNC, 3000, 6000, 12000, " ", 72, 1.0),
        "de": (_DE_FUNC, 1500, 2000, 4000, " ", 72, 1.0),
        "fr": (_FR_FUNC, 1200, 1500, 3000, " ", 72, 1.0),
        "ru": (_RU_FUNC, 1200, 1500, 3000, " ", 72, 0.6),
        "ja": ([], 800, 1500, 3000, "", 36, 0.4),
    }
    for code, (func, size, nsent, npara, sep, wrap, scale) in specs.items():
        vocab = _vocab(rng, code, list(func), size)
        cum = list(itertools.accumulate(1.0 / (k + 2.7) for k in range(len(vocab))))  # Zipf
        sents = _sentences(rng, code, vocab, cum, nsent)
        paras = [
            _para(sep.join([_pick(r, sents) for _ in range(1 + int(r() * 5))]), wrap)
            for _ in range(npara)
        ]
        body_enc = _Weighted((c[:2], c[2]) for c in _BODY_ENC[code])
        hdr_enc = _Weighted((c[:2], c[2]) for c in _HDR_ENC[code])
        langs[code] = _Lang(
            code, sents, paras, vocab, cum, sep, wrap, scale, body_enc, hdr_enc, _PHRASES[code]
        )
    en = langs["en"]
    langs["en8"] = en._replace(
        code="en8",
        paras=[_para(_typographic(t), en.wrap) for t, _ in en.paras[:4000]],
        body_enc=_Weighted((c[:2], c[2]) for c in _BODY_ENC["en8"]),
        hdr_enc=_Weighted((c[:2], c[2]) for c in _HDR_ENC["en8"]),
    )
    return langs


def _person(r: Callable[[], float], lang: str) -> tuple[str, str, str]:
    """Display name and romanised given and family name."""
    if lang == "ru":
        if r() < 0.5:
            (given, g), (family, f) = _pick(r, _RU_M), _pick(r, _RU_LAST)
        else:
            (given, g), (family, f) = _pick(r, _RU_F), _pick(r, _RU_LAST)
            family, f = family + "а", f + "a"
        return f"{given} {family}", g, f
    if lang == "ja":
        (family, f), (given, g) = _pick(r, _JA_LAST), _pick(r, _JA_FIRST)
        return f"{family} {given}", g, f
    given, family = (_pick(r, names.split()) for names in _NAMES[lang])
    return f"{given} {family}", _ascii(given), _ascii(family)


def _senders(rng: random.Random) -> list[_Sender]:
    r = rng.random
    share = _Weighted(_LANG_SHARE)
    senders: list[_Sender] = []
    seen: set[str] = set()

    def ip() -> str:
        return f"{_pick(r, ('192.0.2', '198.51.100', '203.0.113'))}.{1 + int(r() * 254)}"

    while len(senders) < 390:
        lang = share.pick(r)
        base = "en" if lang == "en8" else lang
        name, g, f = _person(r, base)
        style = int(r() * 5)
        local = (f"{g}.{f}", f"{g[0]}{f}", g, f"{g}_{f}", f"{g}{f[0]}{int(r() * 99)}")[style]
        domain = _pick(r, _DOMAINS["free"] if r() < 0.3 else _DOMAINS[base])
        addr = f"{local}@{domain}"
        if addr in seen:
            continue
        seen.add(addr)
        if r() < 0.15:
            name = ""  # bare address
        elif r() < 0.05:
            name = f"{f.capitalize()}, {g.capitalize()}"  # needs quoting
        company = domain.split(".")[0].replace("-", " ").title()
        prof = _Weighted(_PROFILE_SHARE[base]).pick(r)
        tz = _pick(r, _TZ[base])
        senders.append(_Sender(name, addr, lang, tz, prof, r() < 0.6, company, ip()))
    for name, addr in _BULK:
        senders.append(_Sender(name, addr, "en", 0, "bulk", True, name, ip()))
    for k in range(len(senders) - 1, 0, -1):  # Fisher-Yates with random() only
        j = int(r() * (k + 1))
        senders[k], senders[j] = senders[j], senders[k]
    return senders
