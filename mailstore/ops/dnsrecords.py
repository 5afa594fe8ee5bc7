"""The DNS records a hosted domain should publish, built from our configuration (pure code).

``mailstore dns DOMAIN`` prints these in zone-file syntax; ``mailstore dns --check`` compares
them with what the resolver returns (:mod:`mailstore.ops.dnscheck`).

* MX (RFC 5321 §5.1): the domain's mail goes to ``[server] hostname``, a name with A/AAAA
  records, never a CNAME (RFC 2181 §10.3).
* SPF (RFC 7208): ``v=spf1 mx -all`` (whoever is an MX may send), or the given addresses as
  ``ip4:``/``ip6:`` terms, which cost no DNS lookups (RFC 7208 §4.6.4); ``v=spf1 -all`` for a
  domain that sends no mail.
* DKIM (RFC 6376 §3.6.1, RFC 8463): one TXT per signing key at ``<selector>._domainkey``, with
  ``k=`` and ``p=`` derived from the private key (``mailstore.outbound.signing``).
* DMARC (RFC 7489 §6.3): ``p=quarantine`` with aggregate reports to postmaster.
* MTA-STS (RFC 8461) and TLS-RPT (RFC 8460), on request.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

import dns.reversename

from mailstore.addresses import normalize_domain
from mailstore.config import Config
from mailstore.errors import InvalidArgument
from mailstore.outbound.signing import Signer, SigningKey

#: MX preference for our one MX.
MX_PREFERENCE = 10
#: RFC 8461 §3.2: max_age in seconds (one week is the RFC's own example scale; up to 31557600).
MTA_STS_MAX_AGE = 604800
#: RFC 1035 §3.3.14: a TXT character-string holds at most 255 octets.
TXT_CHUNK = 255


@dataclass(frozen=True)
class Record:
    """One resource record to publish, with why."""

    #: What it is for: "mx", "host", "ptr", "spf", "dkim", "dmarc", "mta-sts", "tls-rpt".
    kind: str
    #: Owner name, lower case, without the trailing dot.
    name: str
    #: "MX", "A", "AAAA", "PTR" or "TXT".
    rtype: str
    #: MX: ``"10 mail.example.org"``; A/AAAA: the address; PTR: the host; TXT: the whole text.
    value: str
    #: One line: what the record does (shown as a zone-file comment).
    comment: str

    @property
    def rdata(self) -> str:
        """The record data in zone-file presentation form (TXT quoted and split)."""
        if self.rtype == "TXT":
            return quote_txt(self.value)
        if self.rtype in ("MX", "PTR"):
            return self.value + "."
        return self.value

    def zone_line(self) -> str:
        """``name. IN TYPE rdata`` as in a zone file (RFC 1035 §5.1)."""
        return f"{self.name}. IN {self.rtype} {self.rdata}"


@dataclass(frozen=True)
class DomainPlan:
    """What we know about one hosted domain: the input of :func:`build_records`."""

    domain: str
    #: Our host name (``[server] hostname``), the MX target.
    hostname: str
    #: Signing keys for the domain (``mailstore.outbound.signing.Signer.keys_for``).
    keys: Sequence[SigningKey] = ()
    #: Public addresses mail leaves from (``--ip``); empty: SPF uses ``mx``.
    addresses: Sequence[str] = ()
    #: Publish an MTA-STS policy (RFC 8461) / a TLS-RPT address (RFC 8460).
    mta_sts: bool = False
    tls_rpt: bool = False
    #: False: the domain sends no mail (SPF ``-all``, DMARC ``p=reject``, no DKIM advice).
    sends_mail: bool = True
    #: MTA-STS policy mode: "testing" until TLS reports look clean, then "enforce".
    mta_sts_mode: str = "testing"


def quote_txt(value: str) -> str:
    """TXT presentation form: 255-octet quoted character-strings, ``"`` and ``\\`` escaped,
    non-printable octets as ``\\DDD`` (RFC 1035 §5.1)."""
    parts = []
    for chunk in txt_strings(value):
        text = "".join(
            chr(c) if 0x20 <= c < 0x7F and c not in (0x22, 0x5C) else _escape(c) for c in chunk
        )
        parts.append(f'"{text}"')
    return " ".join(parts)


def _escape(octet: int) -> str:
    return f"\\{chr(octet)}" if octet in (0x22, 0x5C) else f"\\{octet:03d}"


def txt_strings(value: str) -> list[bytes]:
    """``value`` as UTF-8 cut into character-strings of at most 255 octets (RFC 1035 §3.3.14;
    RFC 6376 §3.6.2.2 joins them back without spaces)."""
    data = value.encode()
    return [data[i : i + TXT_CHUNK] for i in range(0, len(data), TXT_CHUNK)] or [b""]


def hostname_problem(hostname: str) -> str | None:
    """Why ``hostname`` cannot be an MX target (None when it can)."""
    name = hostname.rstrip(".").lower()
    try:
        ipaddress.ip_address(name.strip("[]"))
        return f"[server] hostname {hostname!r} is an address; an MX names a host (RFC 5321 §5.1)"
    except ValueError:
        pass
    if name == "localhost" or "." not in name:
        return (
            f"[server] hostname is {hostname!r}: set it to the server's public, fully "
            "qualified name (the MX target, with A/AAAA records)"
        )
    return None


def spf_value(addresses: Sequence[str], sends_mail: bool = True) -> str:
    """The SPF record (RFC 7208 §4.5, §5): ``ip4:``/``ip6:`` for given addresses, else ``mx``."""
    if not sends_mail:
        return "v=spf1 -all"
    terms = []
    for address in addresses:
        ip = ipaddress.ip_address(address)
        terms.append(f"ip{ip.version}:{ip.compressed}")
    return "v=spf1 " + " ".join(terms or ["mx"]) + " -all"


def dmarc_value(domain: str, sends_mail: bool = True) -> str:
    """DMARC (RFC 7489 §6.3): quarantine what fails, aggregate reports to postmaster."""
    policy = "quarantine" if sends_mail else "reject"
    return f"v=DMARC1; p={policy}; rua=mailto:postmaster@{domain}"


def mta_sts_policy(hostname: str, mode: str = "testing") -> str:
    """The policy file served at ``https://mta-sts.DOMAIN/.well-known/mta-sts.txt``
    (RFC 8461 §3.2; CRLF line endings)."""
    lines = ["version: STSv1", f"mode: {mode}", f"mx: {hostname}", f"max_age: {MTA_STS_MAX_AGE}"]
    return "\r\n".join(lines) + "\r\n"


def mta_sts_id(policy: str) -> str:
    """The ``id=`` of the ``_mta-sts`` record: a digest of the policy, so it changes exactly
    when the policy does (RFC 8461 §3.1: 1-32 alphanumerics)."""
    return hashlib.sha256(policy.encode()).hexdigest()[:20]


def build_records(plan: DomainPlan) -> list[Record]:
    """Every record ``plan.domain`` should publish, in the order they are printed."""
    domain, host = plan.domain.lower().rstrip("."), plan.hostname.lower().rstrip(".")
    records = [
        Record(
            "mx",
            domain,
            "MX",
            f"{MX_PREFERENCE} {host}",
            f"mail for {domain} goes to {host}, a name with A/AAAA records, never a CNAME "
            "(RFC 5321 §5.1, RFC 2181 §10.3)",
        )
    ]
    for address in plan.addresses:
        ip = ipaddress.ip_address(address)
        records.append(
            Record(
                "host",
                host,
                "A" if ip.version == 4 else "AAAA",
                ip.compressed,
                f"{host} is at {ip.compressed} (the MX target needs an address record)",
            )
        )
        records.append(
            Record(
                "ptr",
                dns.reversename.from_address(ip.compressed).to_text(True).lower(),
                "PTR",
                host,
                f"reverse DNS of {ip.compressed} names {host} (set by whoever owns the "
                "address; many receivers refuse mail without it)",
            )
        )
    spf = spf_value(plan.addresses, plan.sends_mail)
    spf_why = (
        f"{domain} sends no mail: every sender fails SPF (RFC 7208 §5.1)"
        if not plan.sends_mail
        else f"only {', '.join(plan.addresses)} may send as {domain}; all else fails (RFC 7208)"
        if plan.addresses
        else f"only {domain}'s MX hosts may send as {domain}; all else fails (RFC 7208)"
    )
    records.append(Record("spf", domain, "TXT", spf, spf_why))
    if plan.sends_mail:
        for key in plan.keys:
            records.append(
                Record(
                    "dkim",
                    key.record_name.lower(),
                    "TXT",
                    key.record,
                    f"public key of DKIM selector {key.selector} ({key.algorithm}, "
                    f"from {key.path.name}; RFC 6376 §3.6.1)",
                )
            )
    records.append(
        Record(
            "dmarc",
            f"_dmarc.{domain}",
            "TXT",
            dmarc_value(domain, plan.sends_mail),
            "receivers quarantine mail from "
            f"{domain} that passes neither aligned SPF nor DKIM; reports to postmaster "
            "(RFC 7489 §6.3)"
            if plan.sends_mail
            else f"receivers reject all mail claiming to be from {domain} (RFC 7489 §6.3)",
        )
    )
    if plan.mta_sts:
        policy = mta_sts_policy(host, plan.mta_sts_mode)
        records.append(
            Record(
                "mta-sts",
                f"_mta-sts.{domain}",
                "TXT",
                f"v=STSv1; id={mta_sts_id(policy)}",
                "senders must use verified TLS to "
                f"{host}; the policy is served at https://mta-sts.{domain}/.well-known/"
                "mta-sts.txt (RFC 8461 §3.1)",
            )
        )
    if plan.tls_rpt:
        records.append(
            Record(
                "tls-rpt",
                f"_smtp._tls.{domain}",
                "TXT",
                f"v=TLSRPTv1; rua=mailto:postmaster@{domain}",
                f"senders report TLS failures delivering to {domain} to postmaster (RFC 8460 §3)",
            )
        )
    return records


def plan_for(
    config: Config,
    domain: str,
    *,
    addresses: Sequence[str] = (),
    mta_sts: bool = False,
    tls_rpt: bool = False,
    sends_mail: bool = True,
) -> DomainPlan:
    """The :class:`DomainPlan` of a hosted ``domain`` under ``config``: our host name and the
    domain's DKIM keys (``<key_dir>/<domain>/*.pem`` and ``[dkim] keys``).

    Raises :class:`InvalidArgument` for a host name that cannot be an MX target or an address
    that is not one, and :class:`ConfigError` for an unreadable key file.
    """
    problem = hostname_problem(config.server.hostname)
    if problem:
        raise InvalidArgument(problem)
    for address in addresses:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise InvalidArgument(f"--ip {address!r}: not an IP address") from None
    name = normalize_domain(domain)
    return DomainPlan(
        domain=name,
        hostname=config.server.hostname.lower().rstrip("."),
        keys=tuple(Signer.from_config(config).keys_for(name)),
        addresses=tuple(ipaddress.ip_address(a).compressed for a in addresses),
        mta_sts=mta_sts,
        tls_rpt=tls_rpt,
        sends_mail=sends_mail,
    )
