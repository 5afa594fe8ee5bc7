"""The message records and the header-field builders of the generator (trace, mail-program
headers, list headers, signatures)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from bench.corpus.data import (
    _AGENT,
    _CONTENT_LANGUAGE,
    _LIST_IP,
    _LISTS,
    _ORDER,
)
from bench.corpus.mime import (
    _date,
    _encoded_words,
    _hdr,
    _mailbox,
    _pick,
)
from bench.corpus.tables import _Sender


class _Rec(NamedTuple):
    """What later messages need to know about an earlier one (threads, forwards)."""

    msgid: str
    refs: tuple[str, ...]
    base: str  # subject without reply prefix, list tag or marker
    sender: _Sender
    ts: int
    lst: int
    lang: str


@dataclass(slots=True)
class _Msg:
    """The decisions for one message, shared by the building steps of ``_Gen.message``."""

    i: int
    ts: int  # internal date: arrival at our MX
    sent: int  # Date header
    sender: _Sender
    kind: str  # plain | alt | mixed | fwd | html | dsn
    mode: str  # new | reply | fwd (message/rfc822) | ifwd (inline forward)
    parent: _Rec | None
    lst: int  # mailing list index, -1 for none
    local: str  # primary local recipient
    henc: tuple[str, str, str]  # header encoding: codec, B/Q, charset label
    msgid: str
    base: str = ""
    rcpt_to: list[str] = field(default_factory=list)


class _Headers:
    """Header-field builders; mixed into the generator, whose state (``self.r`` ...) they use."""

    # ---- step 6: the author's headers, in the order the sender's mail program writes them
    def mua_headers(
        self, m: _Msg, subject: str, to: str, cc: list[str], ctype: str, cte: str
    ) -> list[str]:
        s, prof = m.sender, m.sender.profile
        h: dict[str, str] = {}
        if m.kind == "dsn":
            h["From"] = f"{s.addr} ({s.name})"
            h["Auto-Submitted"] = "auto-replied"
        else:
            h["From"] = _mailbox(s.name, s.addr, m.henc)
        h["Date"] = _date(m.sent, s.tz, pad=prof != "apple")
        h["Subject"] = subject
        h["To"] = to
        if cc:
            h["Cc"] = ", ".join(cc)
        h["Message-ID"] = m.msgid
        if m.mode == "reply" and m.parent is not None:
            h["In-Reply-To"] = m.parent.msgid
            h["References"] = " ".join((*m.parent.refs, m.parent.msgid)[-12:])
        h["MIME-Version"] = (
            "1.0 (Mac OS X Mail 16.0 \\(3774.300.61.1.2\\))" if prof == "apple" else "1.0"
        )
        h["Content-Type"] = ctype
        if cte:
            h["Content-Transfer-Encoding"] = cte
        if prof in _AGENT:
            h[_AGENT[prof][0]] = _AGENT[prof][1]
        if prof == "outlook":
            h["Thread-Topic"] = m.base if m.base.isascii() else _encoded_words(m.base, m.henc)
            h["Thread-Index"] = self.b64s(22)
            h["Accept-Language"] = "en-US"
            if m.kind in ("mixed", "fwd"):
                h["X-MS-Has-Attach"] = "yes"
        if prof in ("thunderbird", "outlook") and s.lang != "en":
            h["Content-Language"] = _CONTENT_LANGUAGE[s.lang]
        if prof == "roundcube":
            h["X-Sender"] = s.addr
        if prof == "bulk":
            dom = s.addr.split("@")[1]
            h["Reply-To"] = f"support@{dom}"
            h["List-Unsubscribe"] = f"<https://{dom}/unsubscribe/{self.hexs(16)}>"
            h["Precedence"] = "bulk"
        if self.r() < 0.01:
            h["X-Priority"] = "1 (Highest)"
        folded = {k.lower(): _hdr(k, v) for k, v in h.items()}
        lines = []
        for name in _ORDER[prof].split():
            line = folded.pop(name.lower(), None)
            if line is not None:
                lines.append(name + line[line.index(":") :])
        lines += folded.values()
        if prof == "outlook":
            lines += self.exchange_headers(m)
        return lines

    def exchange_headers(self, m: _Msg) -> list[str]:
        """The X-MS-* block an Exchange Online sender adds (a few KB of opaque base64)."""
        dom, h = m.sender.addr.split("@")[1], self.hexs(32)
        uuid = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        host = f"PR{int(self.r() * 9)}MB{self.hexs(4).upper()}"
        return [
            _hdr("x-ms-publictraffictype", "Email"),
            _hdr("x-ms-traffictypediagnostic", f"{host}:EE_|{host}:EE_"),
            _hdr("x-ms-office365-filtering-correlation-id", uuid),
            _hdr("x-microsoft-antispam", "BCL:0;ARA:13230031|376005|1800799015|366007;"),
            _hdr("x-microsoft-antispam-message-info", self.b64fold(700)),
            _hdr(
                "x-forefront-antispam-report",
                f"CIP:255.255.255.255;CTRY:;LANG:{_CONTENT_LANGUAGE.get(m.sender.lang, 'en')};SCL:1;"
                f"SRV:;IPV:NLI;SFV:NSPM;H:{host}.prod.{dom};PTR:;CAT:NONE;SFS:(13230031)(376005);"
                "DIR:OUT;SFP:1102;",
            ),
            _hdr("x-ms-exchange-antispam-messagedata-chunkcount", "1"),
            _hdr("x-ms-exchange-antispam-messagedata-0", self.b64fold(900)),
            _hdr("X-OriginatorOrg", dom),
            _hdr("X-MS-Exchange-CrossTenant-originalarrivaltime", _date(m.sent)),
            _hdr("X-MS-Exchange-CrossTenant-fromentityheader", "Hosted"),
            _hdr("X-MS-Exchange-CrossTenant-id", f"{self.hexs(8)}-{uuid[9:]}"),
            _hdr("X-MS-Exchange-CrossTenant-mailboxtype", "HOSTED"),
            _hdr("X-MS-Exchange-CrossTenant-userprincipalname", self.b64s(60)),
            _hdr("X-MS-Exchange-Transport-CrossTenantHeadersStamped", host),
        ]

    # ---- step 7: trace headers added in transit (newest first)
    def trace(self, m: _Msg) -> list[str]:
        mail_from = self.mail_from(m)
        out = [_hdr("Return-Path", f"<{mail_from}>")]
        if m.kind == "dsn":  # made by our own MX
            qid = self.hexs(16).upper()
            return [
                *out,
                _hdr("Received", f"by mx.{self.domain} (mailstore) id {qid};\r\n\t{_date(m.ts)}"),
            ]
        out_received, relay_ip = self.received_chain(m)
        out += out_received
        out += self.filter_results(m, mail_from, relay_ip)
        if m.lst >= 0:
            out += self.list_headers(m.lst)
        if m.sender.dkim:
            out += self.signatures(m)
        return out

    def received(self, frm: str, by: str, proto: str, rcpt: str, ts: int, tz: int = 0) -> str:
        v = f"from {frm}\r\n\tby {by} with {proto} id {self.hexs(10).upper()}"
        return _hdr(
            "Received", v + (f"\r\n\tfor <{rcpt}>" if rcpt else "") + f";\r\n\t{_date(ts, tz)}"
        )

    def received_chain(self, m: _Msg) -> tuple[list[str], str]:
        """Our MX's Received field, then the list server's and the sender's relays'."""
        r, s = self.r, m.sender
        sdom = s.addr.split("@")[1]
        if m.lst >= 0:
            relay, ip = "lists.example.net", _LIST_IP
        else:
            relay, ip = f"mail-{self.hexs(4)}.{sdom}", s.ip
        hop = m.ts
        out = [
            self.received(
                f"{relay} ({relay} [{ip}])", f"mx.{self.domain} (mailstore)", "ESMTPS", m.local, hop
            )
        ]
        if m.lst >= 0:
            hop -= 1 + int(r() * 30)
            rcpt = f"{_LISTS[m.lst][0]}@lists.example.net"
            out.append(
                self.received(
                    f"smtp.{sdom} ([{s.ip}])", "lists.example.net (Postfix)", "ESMTPS", rcpt, hop
                )
            )
        for _ in range(int(r() * 3)):
            hop -= 1 + int(r() * 5)
            internal = f"10.{int(r() * 255)}.{int(r() * 255)}.{1 + int(r() * 254)}"
            frm, by = (
                f"smtp-{self.hexs(3)}.{sdom} ({internal})",
                f"relay-{self.hexs(3)}.{sdom} (Postfix)",
            )
            out.append(self.received(frm, by, "ESMTP", "", hop, s.tz))
        return out, ip

    def filter_results(self, m: _Msg, mail_from: str, ip: str) -> list[str]:
        r, d, sdom = self.r, self.domain, m.sender.addr.split("@")[1]
        out = []
        if r() < 0.6:
            dkim = "pass" if m.sender.dkim else "none"
            out.append(
                _hdr(
                    "Authentication-Results",
                    (
                        f"mx.{d};\r\n\tdkim={dkim} header.d={sdom};\r\n\tspf=pass (mx.{d}: domain of "
                        f"{mail_from} designates {ip} as permitted sender) smtp.mailfrom={mail_from};\r\n"
                        f"\tdmarc=pass header.from={sdom}"
                    ),
                )
            )
        if r() < 0.3:
            score = round(r() * 6 - 2, 1)
            out.append(
                _hdr(
                    "X-Spam-Status",
                    (
                        f"No, score={score} required=5.0 tests=BAYES_00,DKIM_SIGNED,\r\n"
                        "\tDKIM_VALID,SPF_PASS autolearn=ham version=3.4.6"
                    ),
                )
            )
        return out

    def list_headers(self, lst: int) -> list[str]:
        """RFC 2369/2919 fields as Mailman adds them."""
        name, desc = _LISTS[lst]
        ld = "lists.example.net"
        return [
            _hdr("List-Id", f"{desc} <{name}.{ld}>"),
            _hdr(
                "List-Unsubscribe",
                f"<mailto:{name}-leave@{ld}>, <https://{ld}/mailman/options/{name}>",
            ),
            _hdr("List-Archive", f"<https://{ld}/archives/{name}>"),
            _hdr("List-Post", f"<mailto:{name}@{ld}>"),
            _hdr("List-Help", f"<mailto:{name}-request@{ld}?subject=help>"),
            _hdr("Precedence", "list"),
            _hdr("Sender", f'"{name}" <{name}-bounces@{ld}>'),
        ]

    def signatures(self, m: _Msg) -> list[str]:
        s = m.sender
        out = [self.dkim(s.addr.split("@")[1], m.sent, "DKIM-Signature")]
        if s.profile == "gmail":
            received = f"by 2002:a05:6402:{self.hexs(4)}:b0:{self.hexs(3)}:{self.hexs(4)} with SMTP"
            out += [
                self.dkim("1e100.example", m.sent, "X-Google-DKIM-Signature"),
                _hdr("X-Gm-Message-State", "AOJu0Y" + self.b64s(60)),
                _hdr("X-Google-Smtp-Source", "AGHT+I" + self.b64s(66)),
                _hdr("X-Received", f"{received} id {self.hexs(12)};\r\n\t{_date(m.sent, s.tz)}"),
            ]
        return out

    def dkim(self, d: str, t: int, name: str) -> str:
        sel = _pick(self.r, ("s1", "google", "selector1", "2023a"))
        sig = self.b64s(256)
        return _hdr(
            name,
            (
                f"v=1; a=rsa-sha256; c=relaxed/relaxed; d={d};\r\n\ts={sel}; t={t};\r\n"
                f"\th=from:to:subject:date:message-id:mime-version:content-type;\r\n"
                f"\tbh={self.b64s(32)};\r\n\tb="
                + "\r\n\t ".join(sig[k : k + 70] for k in range(0, len(sig), 70))
            ),
        )

    # ---- step 8: IMAP flags
