"""The generator: one message after another from one random.Random(seed)."""

from __future__ import annotations

import base64
import binascii
import bisect
import html
import math
import random
import time
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime

from bench.corpus.data import (
    _ATTACH,
    _ATTACH_SIGMA,
    _ATTACH_W,
    _BODY_MEDIAN,
    _DOMAINS,
    _FLAG_ODDS,
    _IMAGE_STEMS,
    _KINDS,
    _LISTS,
    _MAGIC,
    _NEWSLETTER_CSS,
    _STEMS,
)
from bench.corpus.headers import _Headers, _Msg, _Rec
from bench.corpus.markers import (
    _BODY_MARKERS,
    FROM_ADDRESS,
    SUBJECT_WORD,
    CorpusMessage,
    has_marker,
)
from bench.corpus.mime import (
    _END,
    _SPAN,
    _b64,
    _date,
    _encode_text,
    _encoded_words,
    _entity,
    _fit,
    _hdr,
    _mailbox,
    _multipart,
    _pick,
    _Weighted,
)
from bench.corpus.tables import _POOL_LINES, _Lang, _para, _Sender, _tables


class _Gen(_Headers):
    def __init__(self, count: int, seed: int, domain: str, recipients: list[str]) -> None:
        self.rng = random.Random(seed)
        self.r = self.rng.random
        self.step = _SPAN / max(count, 1)
        self.domain = domain
        self.rcpts = recipients
        self.rcpt_w = _Weighted((k, 1.0 / (k + 1)) for k in range(len(recipients)))
        self.langs, self.senders, self.sender_w, self.pool = _tables()
        self.marker = _Sender(
            "Zed Benchmark",
            FROM_ADDRESS,
            "en",
            -300,
            "thunderbird",
            True,
            "Marker Sender",
            "192.0.2.13",
        )
        self.daemon = _Sender(
            "Mail Delivery System",
            f"MAILER-DAEMON@mx.{domain}",
            "en",
            0,
            "postfix",
            False,
            "",
            "127.0.0.1",
        )
        self.hist: list[_Rec] = []

    def message(self, i: int) -> CorpusMessage:
        m = self.plan(i)
        subject = self.subject_header(m)
        to, cc = self.addressing(m)
        b = self.content(m)
        ctype, cte, body = self.mime(m, b)
        head = self.trace(m) + self.mua_headers(m, subject, to, cc, ctype, cte)
        raw = "".join(head).encode("ascii") + b"\r\n" + body
        flags = self.flags()
        refs = ()
        if m.mode == "reply" and m.parent is not None:
            refs = (*m.parent.refs, m.parent.msgid)[-12:]
        base = m.base if m.mode in ("new", "reply") else f"Fwd: {m.base}"
        if m.kind != "dsn":
            self.hist.append(_Rec(m.msgid, refs, base, m.sender, m.sent, m.lst, m.sender.lang))
        if len(self.hist) > 4000:
            del self.hist[:2000]
        return CorpusMessage(
            i, raw, datetime.fromtimestamp(m.ts, UTC), flags, self.mail_from(m), tuple(m.rcpt_to)
        )

    # ---- small helpers
    def hexs(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"

    def b64s(self, nbytes: int) -> str:
        return base64.b64encode(
            self.rng.getrandbits(8 * nbytes).to_bytes(nbytes, "little")
        ).decode()

    def b64fold(self, nbytes: int) -> str:
        s = self.b64s(nbytes)
        return "\r\n\t".join(s[k : k + 72] for k in range(0, len(s), 72))

    def lognormal(self, median: float, sigma: float) -> float:
        return median * math.exp(sigma * self.rng.normalvariate(0.0, 1.0))

    def label(self, profile: str, charset: str) -> str:
        return (
            charset.upper() if profile in ("outlook", "apple", "gmail", "thunderbird") else charset
        )

    def hdr_enc(self, sender: _Sender) -> tuple[str, str, str]:
        codec, method = self.langs[sender.lang].hdr_enc.pick(self.r)
        return codec, method, self.label(sender.profile, codec)

    def pick_sender(self) -> _Sender:
        return self.senders[self.sender_w.pick(self.r)]

    def mail_from(self, m: _Msg) -> str:
        if m.kind == "dsn":
            return ""
        return f"{_LISTS[m.lst][0]}-bounces@lists.example.net" if m.lst >= 0 else m.sender.addr

    def msgid(self, s: _Sender, ts: int) -> str:
        dom, p = s.addr.split("@")[1], s.profile
        if p == "gmail":
            return f"<CA{self.b64s(33).rstrip('=').replace('/', '_')}@mail.{dom}>"
        if p == "outlook":
            return f"<{self.hexs(40).upper()}@PR{int(self.r() * 9)}MB{self.hexs(4)}.prod.{dom}>"
        if p in ("thunderbird", "apple"):
            h = self.hexs(32)
            u = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
            return f"<{u.upper() if p == 'apple' else u}@{dom}>"
        if p in ("mutt", "postfix"):
            t = time.gmtime(ts)
            stamp = f"{t.tm_year}{t.tm_mon:02d}{t.tm_mday:02d}{t.tm_hour:02d}{t.tm_min:02d}{t.tm_sec:02d}"
            return f"<{stamp}.GA{int(self.r() * 999999):06d}@{dom}>"
        return f"<{self.hexs(32)}@{dom}>"

    def boundary(self, p: str) -> str:
        if p == "gmail":
            return "000000000000" + self.hexs(14)
        if p == "thunderbird":
            return "------------" + self.b64s(18).replace("+", "x").replace("/", "y")
        if p == "outlook":
            return f"_000_{self.hexs(40).upper()}_"
        if p == "apple":
            return (
                f"Apple-Mail={self.hexs(8).upper()}-{self.hexs(4).upper()}-{self.hexs(12).upper()}"
            )
        if p == "bulk":
            return "b1_" + self.hexs(40)
        return "=_" + self.hexs(32)

    def paras(self, lang: _Lang, target: float) -> list[tuple[str, str]]:
        r, pool, out, total = self.r, lang.paras, [], 0
        n = len(pool)
        while total < target:
            p = pool[int(r() * n)]
            out.append(p)
            total += len(p[0]) + 2
        return out

    def subject(self, lang: _Lang) -> str:
        r, vocab, cum = self.r, lang.vocab, lang.cum
        words = [vocab[bisect.bisect(cum, r() * cum[-1])] for _ in range(2 + int(r() * 7))]
        if lang.code == "ja":
            return "".join(words)
        s = " ".join(words)
        s = s[0].upper() + s[1:]
        if lang.code == "en8" and r() < 0.5:
            s = f"\u201c{s}\u201d \u2013 {words[0]}"
        return s

    # ---- step 1: who, when, what kind, which thread
    def plan(self, i: int) -> _Msg:
        r = self.r
        ts = _END - _SPAN + int((i + 0.05 + 0.9 * r()) * self.step)
        marker_from = has_marker(FROM_ADDRESS, i)
        sender = self.marker if marker_from else self.pick_sender()
        kind = _KINDS.pick(r)
        if kind == "dsn":
            kind, sender = ("plain", sender) if marker_from else ("dsn", self.daemon)
        mode, parent = "new", None
        if kind == "fwd":
            mode = "fwd"
        elif kind != "dsn" and self.hist:
            x = r()
            mode = "reply" if x < 0.40 else "ifwd" if x < 0.42 else "new"
        if mode != "new":
            if self.hist:
                parent = self.hist[-1 - int(r() ** 2.5 * len(self.hist))]
            else:
                s = self.pick_sender()
                t = ts - 86400
                parent = _Rec(
                    self.msgid(s, t), (), self.subject(self.langs[s.lang]), s, t, -1, s.lang
                )
            follow_up = mode == "reply" and r() < 0.35
            if follow_up and not marker_from and parent.sender.addr != FROM_ADDRESS:
                sender = parent.sender
        lst = -1
        if mode == "reply" and parent is not None:
            lst = parent.lst
        elif mode == "new" and kind != "dsn" and sender.profile != "bulk" and r() < 0.15:
            lst = int(r() * len(_LISTS))
        sent = ts - 2 - int(self.rng.expovariate(1 / 40)) - (int(r() * 20000) if r() < 0.02 else 0)
        local = self.rcpts[self.rcpt_w.pick(r)]
        return _Msg(
            i,
            ts,
            sent,
            sender,
            kind,
            mode,
            parent,
            lst,
            local,
            self.hdr_enc(sender),
            self.msgid(sender, sent),
            rcpt_to=[local],
        )

    # ---- step 2: subject (thread prefix, list tag, marker, encoded words)
    def subject_header(self, m: _Msg) -> str:
        r, lang = self.r, self.langs[m.sender.lang]
        if m.kind == "dsn":
            base, prefix = "Undelivered Mail Returned to Sender", ""
        elif m.parent is None:
            base, prefix = self.subject(lang), ""
        elif m.mode == "reply":
            base, prefix = m.parent.base, lang.phrases.reply.pick(r)
        else:
            base, prefix = m.parent.base, _pick(r, lang.phrases.forward)
        m.base = base
        if has_marker(SUBJECT_WORD, m.i):
            words = base.split(" ")
            words.insert(int(r() * (len(words) + 1)), SUBJECT_WORD)
            base = " ".join(words)
        tag = f"[{_LISTS[m.lst][0]}] " if m.lst >= 0 else ""
        subject = prefix + tag + base if m.mode == "reply" else tag + prefix + base
        if subject.isascii() and r() >= 0.02:
            return subject
        if prefix and r() < 0.5:
            return prefix + _encoded_words(subject[len(prefix) :], m.henc)
        return _encoded_words(subject, m.henc)

    # ---- step 3: To and Cc (and extra envelope recipients)
    def addressing(self, m: _Msg) -> tuple[str, list[str]]:
        r = self.r
        lname = m.local.split("@")[0].split(".")[0].capitalize()
        to = f"{lname} <{m.local}>" if r() < 0.6 else m.local
        cc: list[str] = []
        if m.kind == "dsn":
            return m.local, cc
        if m.lst >= 0:
            return f"{_LISTS[m.lst][0]}@lists.example.net", cc
        if m.sender.profile == "bulk" and r() < 0.3:
            return "undisclosed-recipients:;", cc
        if r() < 0.04:  # we were Bcc'd
            to = f"{_pick(r, ('team', 'all', 'info', 'office'))}@{m.sender.addr.split('@')[1]}"
        if r() < 0.2:
            for _ in range(1 + int(r() * 3)):
                s = self.pick_sender()
                cc.append(_mailbox(s.name, s.addr, self.hdr_enc(s)))
            if len(self.rcpts) > 1 and r() < 0.3:
                other = _pick(r, self.rcpts)
                if other not in m.rcpt_to:
                    m.rcpt_to.append(other)
                    cc.append(other)
        return to, cc

    # ---- step 4: the text (paragraphs, markers, quote or forwarded original)
    def content(self, m: _Msg) -> dict:
        r, s = self.r, m.sender
        lang = self.langs[s.lang]
        phr = lang.phrases
        target = min(max(self.lognormal(_BODY_MEDIAN, 0.95), 60), 60_000) * lang.scale
        first = m.local.split("@")[0].split(".")[0].capitalize() if m.lst < 0 else "all"
        b = {
            "greet": _pick(r, phr.greet).format(n=first) if r() < 0.75 else "",
            "paras": self.paras(lang, target),
            "close": _pick(r, phr.close),
            "signame": s.name.split(" ")[0] if s.name else s.addr.split("@")[0],
            "sig": [],
            "quote": None,
            "top": r() < 0.7,
            "fwd": None,
        }
        if r() < 0.4 and s.name:
            b["sig"] = [s.name, f"{s.company} | +{1 + int(r() * 98)} {int(r() * 1e9):09d}"]
        if r() < 0.02:  # an mboxo-quoted line that survived some old migration
            line = _para(">From " + _pick(r, lang.sentences), lang.wrap)
            b["paras"].insert(int(r() * len(b["paras"])), line)
        if m.kind == "dsn":
            b.update(
                greet="", close="", signame="The mail system", top=True, paras=self.dsn_text(m)
            )
        for w, period, offset in _BODY_MARKERS:
            if m.i % period == offset:
                ps = b["paras"]
                k = int(r() * len(ps))
                t = ps[k][0]
                pos = t.find(" ", int(r() * len(t)))
                ps[k] = _para(t + " " + w if pos < 0 else t[:pos] + " " + w + t[pos:], lang.wrap)
        p = m.parent
        if p is None:
            return b
        pname = p.sender.name or p.sender.addr
        if p.sender.addr != FROM_ADDRESS and r() < 0.6:
            pname = f"{pname} <{p.sender.addr}>"
        plang = self.langs[p.lang]
        if m.mode == "reply" and r() < 0.75:
            attr = phr.wrote.format(d=_date(p.ts, p.sender.tz, pad=False)[:-6], n=pname)
            nested = self.paras(plang, self.lognormal(300, 0.8)) if r() < 0.3 else []
            qparas = self.paras(plang, self.lognormal(700, 0.9) * plang.scale)
            b["quote"] = (attr, plang, qparas, nested)
        elif m.mode == "ifwd":
            fields = [
                f"From: {pname}",
                f"Date: {_date(p.ts, p.sender.tz)}",
                f"Subject: {p.base}",
                f"To: {m.local}",
            ]
            fparas = self.paras(plang, self.lognormal(900, 0.9) * plang.scale)
            b["fwd"] = (phr.banner, fields, plang, fparas)
        return b

    def dsn_text(self, m: _Msg) -> list[tuple[str, str]]:
        bad = self.bounced_rcpt(m)
        text = [
            f"This is the mail system at host mx.{self.domain}.",
            "I'm sorry to have to inform you that your message could not be delivered to one "
            "or more recipients. It's attached below.",
            f"<{bad}>: host mx.{bad.split('@')[1]}[203.0.113.{1 + m.i % 250}] said: 550 5.1.1 <{bad}>: "
            "Recipient address rejected: User unknown (in reply to RCPT TO command)",
        ]
        return [_para(t, 72) for t in text]

    def bounced_rcpt(self, m: _Msg) -> str:
        return f"{m.msgid[1:9].lower()}@{_DOMAINS['en'][m.i % len(_DOMAINS['en'])]}"

    def render_text(self, lang: _Lang, b: dict) -> str:
        lines: list[str] = []
        if b["greet"]:
            lines += [b["greet"], ""]
        for _, block in b["paras"]:
            lines += [block, ""]
        if b["close"]:
            lines += [b["close"]]
        lines.append(b["signame"])
        if b["sig"]:
            lines += ["", "-- ", *b["sig"]]
        if b["quote"]:
            attr, _, qparas, nested = b["quote"]
            ql: list[str] = [attr]
            for _, block in qparas:
                ql += ["> " + block.replace("\n", "\n> "), ">"]
            for _, block in nested:
                ql += [">> " + block.replace("\n", "\n>> "), ">>"]
            lines = [*lines, "", *ql] if b["top"] else [*ql, "", *lines]
        if b["fwd"]:
            banner, fields, _, fparas = b["fwd"]
            lines += ["", banner, *fields, ""]
            for _, block in fparas:
                lines += [block, ""]
        return "\n".join(lines) + "\n"

    def render_html(self, b: dict, charset: str, newsletter: bool, cid: str) -> str:
        e = html.escape
        out = [
            f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        ]
        if newsletter:
            out += [_NEWSLETTER_CSS, '</head><body><table width="100%" cellpadding="0"><tr><td>']
        else:
            out.append('</head><body><div dir="ltr">')
        if b["greet"]:
            out.append(f"<div>{e(b['greet'])}</div><div><br></div>")
        for k, (p, _) in enumerate(b["paras"]):
            out.append(f'<p class="c{k % 40}">{e(p)}</p>' if newsletter else f"<p>{e(p)}</p>")
        if cid:
            out.append(f'<div><img src="cid:{cid}" width="640" height="480"></div>')
        out.append(f"<div>{e(b['close'])}<br>{e(b['signame'])}</div>")
        if b["sig"]:
            out.append('<div class="signature">-- <br>' + "<br>".join(map(e, b["sig"])) + "</div>")
        if b["quote"]:
            attr, _, qparas, nested = b["quote"]
            out.append(f'<div class="gmail_quote"><div class="gmail_attr">{e(attr)}</div>')
            out.append(
                '<blockquote style="margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex">'
            )
            out += [f"<p>{e(p)}</p>" for p, _ in qparas]
            if nested:
                out.append(
                    "<blockquote>" + "".join(f"<p>{e(p)}</p>" for p, _ in nested) + "</blockquote>"
                )
            out.append("</blockquote></div>")
        if b["fwd"]:
            banner, fields, _, fparas = b["fwd"]
            out.append(f"<div>{e(banner)}<br>" + "<br>".join(map(e, fields)) + "</div>")
            out += [f"<p>{e(p)}</p>" for p, _ in fparas]
        out.append("</td></tr></table></body></html>" if newsletter else "</div></body></html>")
        return "\n".join(out) + "\n"

    # ---- step 5: MIME structure
    def mime(self, m: _Msg, b: dict) -> tuple[str, str, bytes]:
        """Content-Type, Content-Transfer-Encoding ("" for multiparts) and body."""
        r, prof = self.r, m.sender.profile
        lang = self.langs[m.sender.lang]
        enc = lang.body_enc.pick(r)
        text = self.render_text(lang, b)
        if m.kind == "plain":
            charset, cte, body = _encode_text(text, *enc)
            return f'text/plain; charset="{self.label(prof, charset)}"', cte, body
        if m.kind == "alt":
            ctype, body = self.alternative(m, b, text, enc, "")
            return ctype, "", body
        if m.kind == "html":
            cs = _fit(text, enc[0])
            page = self.render_html(b, self.label(prof, cs), True, "")
            charset, cte, body = _encode_text(
                page, cs, "base64" if r() < 0.4 else "quoted-printable"
            )
            return f'text/html; charset="{self.label(prof, charset)}"', cte, body
        if m.kind == "dsn":
            return self.dsn(m, text)
        return self.mixed(m, b, text, enc)

    def text_part(self, text: str, subtype: str, enc: tuple[str, str], profile: str) -> bytes:
        charset, cte, body = _encode_text(text, *enc)
        ct = f'text/{subtype}; charset="{self.label(profile, charset)}"'
        return _entity([_hdr("Content-Type", ct), _hdr("Content-Transfer-Encoding", cte)], body)

    def preamble(self, prof: str) -> bytes:
        if prof in ("thunderbird", "outlook", "bulk"):
            return b"This is a multi-part message in MIME format.\r\n"
        return b""

    def alternative(
        self, m: _Msg, b: dict, text: str, enc: tuple[str, str], cid: str
    ) -> tuple[str, bytes]:
        prof = m.sender.profile
        cs = _fit(text, enc[0])
        enc = (cs, enc[1])
        page = self.render_html(b, self.label(prof, cs), prof == "bulk", cid)
        henc = (cs, "base64" if prof == "bulk" or self.r() < 0.2 else "quoted-printable")
        bd = self.boundary(prof)
        parts = [self.text_part(text, "plain", enc, prof), self.text_part(page, "html", henc, prof)]
        return f'multipart/alternative;\r\n boundary="{bd}"', _multipart(
            bd, parts, self.preamble(prof)
        )

    def mixed(self, m: _Msg, b: dict, text: str, enc: tuple[str, str]) -> tuple[str, str, bytes]:
        r, prof = self.r, m.sender.profile
        parts = []
        if m.kind == "fwd" or r() < 0.6:
            parts.append(self.text_part(text, "plain", enc, prof))
        else:
            cid = (
                f"image001.png@01DA{self.hexs(4).upper()}.{self.hexs(8).upper()}"
                if r() < 0.3
                else ""
            )
            ct, body = self.alternative(m, b, text, enc, cid)
            if cid:  # Outlook style: mixed[related[alternative, inline image], attachments]
                img, _ = self.attachment("en", 200_000, "png")
                img = img.replace(
                    b"Content-Disposition: attachment",
                    f"Content-ID: <{cid}>\r\nContent-Disposition: inline".encode(),
                    1,
                )
                bd = self.boundary(prof)
                body = _multipart(bd, [_entity([_hdr("Content-Type", ct)], body), img])
                ct = f'multipart/related;\r\n boundary="{bd}"; type="multipart/alternative"'
            parts.append(_entity([_hdr("Content-Type", ct)], body))
        if m.kind == "fwd":
            inner = self.inner_message(m.parent, m.local)  # type: ignore[arg-type]
            disp = 'attachment; filename="forwarded.eml"'
            parts.append(
                _entity(
                    [_hdr("Content-Type", "message/rfc822"), _hdr("Content-Disposition", disp)],
                    inner,
                )
            )
        else:
            budget = 3_600_000
            for _ in range(1 if r() < 0.7 else 2 if r() < 0.67 else 3 + int(r() * 3)):
                part, size = self.attachment(m.sender.lang, budget)
                parts.append(part)
                budget = max(budget - size, 200)
        bd = self.boundary(prof)
        return (
            f'multipart/mixed;\r\n boundary="{bd}"',
            "",
            _multipart(bd, parts, self.preamble(prof)),
        )

    def attachment(self, lang: str, budget: int, only: str = "") -> tuple[bytes, int]:
        r = self.r
        ext, ctype, magic, _, median = _ATTACH_W.pick(r)
        if only:
            ext, ctype, magic, _, median = next(a for a in _ATTACH if a[0] == only)
        stems = (
            _IMAGE_STEMS if ctype.startswith("image/") else _STEMS["en" if lang == "en8" else lang]
        )
        t = time.gmtime(_END - int(r() * _SPAN))
        name = (
            _pick(r, stems).format(
                n=int(r() * 99999),
                d=int(r() * 9),
                y=t.tm_year,
                W=self.subject(self.langs[lang]).split(" ")[0][:20],
                t=f"{t.tm_year}-{t.tm_mon:02d}-{t.tm_mday:02d}",
                h=f"{t.tm_hour:02d}.{t.tm_min:02d}.{t.tm_sec:02d}",
            )
            + "."
            + ext
        )
        if name.isascii():
            params = f'; name="{name}"', f'; filename="{name}"'
        else:  # RFC 2231
            v = "utf-8''" + urllib.parse.quote(name, safe="")
            params = f"; name*={v}", f"; filename*={v}"
        if magic:
            want = max(200, min(int(self.lognormal(median, _ATTACH_SIGMA)), budget, 3_500_000))
            body, size = self.payload(magic, want), want
            data, cte = b"", "base64"
        else:
            data = self.small_text_file(ext).encode("utf-8")
            size, cte = len(data), "base64" if r() < 0.5 else "quoted-printable"
            body = _b64(data) if cte == "base64" else binascii.b2a_qp(data).replace(b"\n", b"\r\n")
            ctype += "; charset=utf-8" + ("; method=PUBLISH" if ext == "ics" else "")
        disp = "attachment" + params[1] + (f"; size={size}" if r() < 0.3 else "")
        hdrs = [
            _hdr("Content-Type", ctype + params[0]),
            _hdr("Content-Disposition", disp),
            _hdr("Content-Transfer-Encoding", cte),
        ]
        return _entity(hdrs, body), size

    def payload(self, magic: str, size: int) -> bytes:
        """Base64 lines of a ``size``-byte file: its magic header, a line-aligned slice of the
        random pool, its trailer (57 raw bytes are exactly one 76-character line)."""
        head, tail = _MAGIC[magic]
        hl = -(-len(head) // 57) * 57
        head += self.rng.getrandbits(8 * (hl - len(head))).to_bytes(hl - len(head), "little")
        k = min(max((size - hl - len(tail)) // 57, 0), _POOL_LINES)
        fill = max(size - hl - 57 * k - len(tail), 0)
        tail = self.rng.getrandbits(8 * fill).to_bytes(fill, "little") + tail
        off = int(self.r() * (_POOL_LINES - k + 1)) * 78
        return _b64(head) + self.pool[off : off + 78 * k] + _b64(tail)

    def small_text_file(self, ext: str) -> str:
        r, en = self.r, self.langs["en"]
        t0 = _END - int(r() * _SPAN)
        if ext == "ics":
            t = time.gmtime(t0)
            stamp = f"{t.tm_year}{t.tm_mon:02d}{t.tm_mday:02d}T{t.tm_hour:02d}0000Z"
            return (
                "BEGIN:VCALENDAR\nPRODID:-//mailstore bench//corpus//EN\nVERSION:2.0\n"
                "METHOD:PUBLISH\nBEGIN:VEVENT\n"
                f"UID:{self.hexs(24)}@{self.domain}\nDTSTAMP:{stamp}\nDTSTART:{stamp}\n"
                f"SUMMARY:{self.subject(en)}\nLOCATION:Room {int(r() * 500)}\n"
                f"DESCRIPTION:{_pick(r, en.sentences)[:60]}\nEND:VEVENT\nEND:VCALENDAR\n"
            )
        rows = []
        for k in range(5 + int(r() * 60)):
            t = time.gmtime(t0 + k * 7)
            w = self.subject(en)
            if ext == "csv":
                rows.append(f"{k},{w.replace(' ', ',')},{int(r() * 10000) / 100}")
            else:
                level = _pick(r, ("INFO", "WARN", "DEBUG"))
                rows.append(
                    f"{t.tm_year}-{t.tm_mon:02d}-{t.tm_mday:02d} {t.tm_hour:02d}:"
                    f"{t.tm_min:02d}:{t.tm_sec:02d} {level} {w}"
                )
        return "\n".join(rows) + "\n"

    def inner_message(self, parent: _Rec, to: str) -> bytes:
        """The forwarded original for a message/rfc822 part: 7bit clean, no markers."""
        s = parent.sender if parent.sender.addr != FROM_ADDRESS else self.senders[0]
        lang = self.langs[s.lang]
        b = {
            "greet": "",
            "paras": self.paras(lang, self.lognormal(900, 0.8) * lang.scale),
            "close": _pick(self.r, lang.phrases.close),
            "signame": s.name or s.addr.split("@")[0],
            "sig": [],
            "quote": None,
            "top": True,
            "fwd": None,
        }
        charset, cte = lang.body_enc.pick(self.r)
        enc = self.hdr_enc(s)
        subject = parent.base if parent.base.isascii() else _encoded_words(parent.base, enc)
        received = f"from [10.{int(self.r() * 255)}.0.7] by smtp.{s.addr.split('@')[1]}; "
        hdrs = [
            _hdr("Received", received + _date(parent.ts - 3, s.tz)),
            _hdr("From", _mailbox(s.name, s.addr, enc)),
            _hdr("To", to),
            _hdr("Subject", subject),
            _hdr("Date", _date(parent.ts, s.tz)),
            _hdr("Message-ID", parent.msgid),
            _hdr("MIME-Version", "1.0"),
        ]
        enc2 = (charset, "quoted-printable" if cte == "8bit" else cte)
        part = self.text_part(self.render_text(lang, b), "plain", enc2, s.profile)
        return "".join(hdrs).encode("ascii") + part

    def dsn(self, m: _Msg, text: str) -> tuple[str, str, bytes]:
        """A Postfix-style bounce: multipart/report (RFC 3462/3464)."""
        bad = self.bounced_rcpt(m)
        arrival = _date(m.ts - 60)
        orig = (
            _hdr("From", m.local)
            + _hdr("To", bad)
            + _hdr("Subject", self.subject(self.langs["en"]))
            + _hdr("Date", arrival)
            + _hdr("Message-ID", f"<{self.hexs(24)}@{self.domain}>")
        )
        status = (
            f"Reporting-MTA: dns; mx.{self.domain}\r\nX-Postfix-Queue-ID: {self.hexs(10).upper()}\r\n"
            f"Arrival-Date: {arrival}\r\n\r\nFinal-Recipient: rfc822; {bad}\r\n"
            f"Original-Recipient: rfc822;{bad}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            f"Remote-MTA: dns; mx.{bad.split('@')[1]}\r\nDiagnostic-Code: smtp; 550 5.1.1 "
            f"<{bad}>: Recipient address rejected:\r\n    User unknown\r\n"
        )
        bd = self.boundary("mutt")
        parts = [
            self.text_part(text, "plain", ("us-ascii", "7bit"), "mutt"),
            _entity(
                [
                    _hdr("Content-Description", "Delivery report"),
                    _hdr("Content-Type", "message/delivery-status"),
                ],
                status.encode("ascii"),
            ),
            _entity(
                [
                    _hdr("Content-Description", "Undelivered Message Headers"),
                    _hdr("Content-Type", "text/rfc822-headers"),
                ],
                orig.encode("ascii"),
            ),
        ]
        body = _multipart(bd, parts, b"This is a MIME-encapsulated message.\r\n")
        return f'multipart/report; report-type=delivery-status;\r\n boundary="{bd}"', "", body

    def flags(self) -> frozenset[str]:
        r = self.r
        answered = r() < 0.10
        flags = {"\\Seen"} if answered or r() < 0.70 else set()
        if answered:
            flags.add("\\Answered")
        for flag, p in _FLAG_ODDS:
            if r() < p:
                flags.add(flag)
        return frozenset(flags)


def generate(
    count: int, seed: int = 1, *, domain: str = "example.org", recipients: list[str] | None = None
) -> Iterator[CorpusMessage]:
    """Yield ``count`` messages, deterministically for a given seed (see module docstring)."""
    rcpts = list(recipients) if recipients is not None else [f"user@{domain}"]
    if not rcpts:
        raise ValueError("recipients must not be empty")
    gen = _Gen(count, seed, domain, rcpts)
    for i in range(count):
        yield gen.message(i)
