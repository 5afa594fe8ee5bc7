"""DKIM (RFC 6376): verify every DKIM-Signature of a message; sign outbound mail.

Cryptography and canonicalization are dkimpy's. The key lookup is ours: dkimpy's own lookup
folds "no key", "bad key" and "DNS timeout" into one ``False``, while RFC 6376 §6.1.2 and
RFC 8601 §2.7.1 tell them apart (permerror, permerror, temperror). So each signature's key
record is fetched with the async resolver first, checked, and handed to dkimpy's verifier
through its ``dnsfunc`` hook; the CPU-bound hashing runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import dkim as dkimpy
import dns.asyncresolver
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from dkim.util import parse_tag_value

from mailstore import dns as mdns
from mailstore.message.headers import find_header_end

log = logging.getLogger(__name__)
#: dkimpy logs each failure at ERROR level; keep it under our name, callers decide.
_lib_log = logging.getLogger(__name__ + ".dkimpy")

__all__ = ["DKIMResult", "DKIMSignError", "public_key_record", "sign", "verify_message"]

Result = Literal["pass", "fail", "neutral", "temperror", "permerror", "none"]

#: RFC 6376 §6.1: verifiers MAY limit the number of signatures they try.
MAX_SIGNATURES = 10
#: RFC 8301 §3.2: keys shorter than 1024 bits MUST NOT be considered valid.
MIN_KEY_BITS = 1024


@dataclass(frozen=True)
class DKIMResult:
    """The verification of one DKIM-Signature header field (RFC 8601 §2.7.1 result names)."""

    result: Result
    domain: str = ""  # d=
    selector: str = ""  # s=
    reason: str = ""
    algorithm: str = ""  # a=, for RFC 8616 header.a
    identity: str = ""  # i=


class DKIMSignError(ValueError):
    """The private key, domain, selector or header list cannot make a signature."""


@dataclass
class _Sig:
    idx: int
    result: DKIMResult
    #: Name of the key record to fetch, when the signature got that far.
    key_name: str = ""
    key_records: tuple[bytes, ...] = ()


async def verify_message(
    resolver: dns.asyncresolver.Resolver, raw: bytes, *, max_signatures: int = MAX_SIGNATURES
) -> list[DKIMResult]:
    """Verify each DKIM-Signature of ``raw``, top first; an empty list when there is none.

    Never raises: a malformed signature or key is ``permerror``, an unreachable key
    ``temperror``, a signature that does not verify ``fail`` (RFC 6376 §6.1, RFC 8601 §2.7.1).
    """
    header = raw[: find_header_end(raw, 0, len(raw))]
    if b"dkim-signature" not in header.lower():
        return []
    signer, sigs = await asyncio.to_thread(_prepare, raw, max_signatures)
    pending = [s for s in sigs if s.key_name]
    await asyncio.gather(*(_fetch_key(resolver, s) for s in pending))
    if signer is not None and any(s.key_name for s in sigs):
        await asyncio.to_thread(_finish, signer, sigs)
    return [s.result for s in sigs]


def _prepare(raw: bytes, max_signatures: int) -> tuple[dkimpy.DKIM | None, list[_Sig]]:
    """Parse the message and each signature's tags (RFC 6376 §6.1.1)."""
    try:
        signer = dkimpy.DKIM(raw, logger=_lib_log, minkey=MIN_KEY_BITS)
    except Exception as exc:  # dkimpy's parser on garbage
        return None, [_Sig(0, DKIMResult("permerror", reason=f"unparsable message: {exc}"))]
    headers = [v for k, v in signer.headers if k.lower() == b"dkim-signature"]
    sigs = []
    for idx, value in enumerate(headers):
        if idx >= max_signatures:
            reason = f"not verified: more than {max_signatures} signatures"
            sigs.append(_Sig(idx, DKIMResult("neutral", reason=reason)))
            continue
        sigs.append(_check_signature(signer, idx, value))
    return signer, sigs


def _check_signature(signer: dkimpy.DKIM, idx: int, value: bytes) -> _Sig:
    """The tag checks of RFC 6376 §6.1.1 that dkimpy leaves out, plus dkimpy's own."""
    try:
        tags = parse_tag_value(value)
    except Exception as exc:
        return _Sig(idx, DKIMResult("permerror", reason=f"malformed signature: {exc}"))
    domain, selector = _text(tags.get(b"d")).lower(), _text(tags.get(b"s"))
    algorithm, identity = _text(tags.get(b"a")).lower(), _text(tags.get(b"i"))

    def result(result: Result, reason: str = "") -> DKIMResult:
        return DKIMResult(result, domain, selector, reason, algorithm, identity)

    try:
        prep = signer.verify_headerprep(idx)
    except Exception as exc:  # ValidationError, MessageFormatError, KeyError on odd tags
        return _Sig(idx, result("permerror", f"invalid signature: {exc}"))
    if not prep:  # pragma: no cover - idx always names an existing signature
        return _Sig(idx, result("permerror", "signature not found"))
    _sig, include_headers, _headers = prep
    if b"from" not in include_headers:  # RFC 6376 §6.1.1, §5.4
        return _Sig(idx, result("permerror", "From field not signed"))
    if algorithm == "rsa-sha1":  # RFC 8301 §3.1
        return _Sig(idx, result("permerror", "rsa-sha1 signatures are not accepted"))
    if not _dns_label_ok(domain) or not _dns_label_ok(selector):
        return _Sig(idx, result("permerror", "invalid d= or s= for a key lookup"))
    return _Sig(idx, result("none"), key_name=f"{selector}._domainkey.{domain}")


async def _fetch_key(resolver: dns.asyncresolver.Resolver, sig: _Sig) -> None:
    """RFC 6376 §6.1.2: get the key record; no record is PERMFAIL, a DNS failure TEMPFAIL."""
    r = sig.result
    try:
        sig.key_records = tuple(await mdns.txt_bytes(resolver, sig.key_name))
    except mdns.DNSTempError as exc:
        log.info("DKIM key lookup failed: %s", exc)
        reason = "key lookup failed temporarily"
        sig.result = DKIMResult("temperror", r.domain, r.selector, reason, r.algorithm, r.identity)
        sig.key_name = ""
        return
    except mdns.DNSNotFound:
        sig.key_records = ()
    if not sig.key_records:
        sig.result = DKIMResult(
            "permerror", r.domain, r.selector, "no key for signature", r.algorithm, r.identity
        )
        sig.key_name = ""


def _finish(signer: dkimpy.DKIM, sigs: list[_Sig]) -> None:
    """Check each fetched key, then verify the signature with it (RFC 6376 §6.1.3)."""
    for sig in sigs:
        if not sig.key_name:
            continue
        r = sig.result
        outcome, reason = _verify_one(signer, sig)
        sig.result = DKIMResult(outcome, r.domain, r.selector, reason, r.algorithm, r.identity)


def _verify_one(signer: dkimpy.DKIM, sig: _Sig) -> tuple[Result, str]:
    record, problem = _usable_key(sig.key_name, sig.key_records)
    if record is None:
        return "permerror", problem
    try:
        ok = signer.verify(idx=sig.idx, dnsfunc=lambda _name, timeout=5: record)
    except dkimpy.ValidationError as exc:  # body hash mismatch and the like
        text = str(exc)
        return "fail", "body hash did not verify" if text.startswith("body hash") else text
    except dkimpy.KeyFormatError as exc:  # e.g. key too small (RFC 8301 §3.2)
        return "permerror", str(exc)
    except Exception as exc:
        return "permerror", f"{type(exc).__name__}: {exc}"
    return ("pass", "") if ok else ("fail", "signature did not verify")


def _usable_key(name: str, records: Sequence[bytes]) -> tuple[bytes | None, str]:
    """The first key record dkimpy can use (RFC 6376 §3.6.1), or None and why not."""
    problem = "no key for signature"
    for record in records:
        try:
            tags = parse_tag_value(record)
        except Exception as exc:
            problem = f"malformed key record: {exc}"
            continue
        if tags.get(b"p", b"").strip() == b"":  # RFC 6376 §3.6.1: empty p= is revoked
            problem = "key revoked"
            continue
        try:
            dkimpy.evaluate_pk(name.encode(), record)
        except dkimpy.NaClNotFoundError:
            problem = "ed25519 keys are not supported here (pynacl missing)"
            continue
        except Exception as exc:
            problem = f"unusable key: {exc}"
            continue
        return record, ""
    return None, problem


def _text(value: bytes | None) -> str:
    return "" if value is None else value.decode("ascii", "replace").strip()


def _dns_label_ok(name: str) -> bool:
    labels = name.split(".")
    return bool(name) and len(name) <= 253 and all(0 < len(x) <= 63 for x in labels)


# -- signing ---------------------------------------------------------------------------------------


def sign(
    message: bytes,
    selector: str,
    domain: str,
    private_key_pem: bytes | str,
    headers: Sequence[str] | None = None,
) -> bytes:
    """The ``DKIM-Signature: ...\\r\\n`` field to prepend to ``message`` (RFC 6376 §5).

    RSA keys sign with rsa-sha256, Ed25519 keys with ed25519-sha256 (RFC 8463), both
    relaxed/relaxed. ``headers`` defaults to dkimpy's list (From, To, Subject, Date, ...; the
    ones that must not change signed once more, RFC 6376 §8.15). Raises
    :class:`DKIMSignError` for a bad key or arguments.
    """
    algorithm, key = _signing_key(private_key_pem)
    try:
        signer = dkimpy.DKIM(message, signature_algorithm=algorithm, logger=_lib_log)
        return signer.sign(
            selector.encode("ascii"),
            domain.encode("ascii"),
            key,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=[h.encode("ascii") for h in headers] if headers else None,
        )
    except (dkimpy.DKIMException, UnicodeError, ValueError) as exc:
        raise DKIMSignError(str(exc)) from exc


def _signing_key(private_key_pem: bytes | str) -> tuple[bytes, bytes]:
    """(a= algorithm, key in dkimpy's form) from a PEM private key (PKCS#1 or PKCS#8)."""
    pem = private_key_pem.encode() if isinstance(private_key_pem, str) else private_key_pem
    return _converted_key(pem)


@functools.lru_cache(maxsize=64)
def _converted_key(pem: bytes) -> tuple[bytes, bytes]:
    """Cached: parsing a key costs more than a signature, and a domain signs with one key."""
    key = _load_private_key(pem)
    if isinstance(key, rsa.RSAPrivateKey):
        pkcs1 = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        return b"rsa-sha256", pkcs1
    if isinstance(key, ed25519.Ed25519PrivateKey):
        seed = key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return b"ed25519-sha256", base64.b64encode(seed)
    raise DKIMSignError(f"unsupported key type {type(key).__name__} (RSA or Ed25519)")


def _load_private_key(pem: bytes) -> PrivateKeyTypes:
    try:
        # The key is our own configuration, not input: skip the slow RSA consistency check.
        return serialization.load_pem_private_key(
            pem, password=None, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError) as exc:
        raise DKIMSignError(f"cannot read private key: {exc}") from exc


def public_key_record(private_key_pem: bytes | str) -> str:
    """The TXT record to publish at ``<selector>._domainkey.<domain>`` (RFC 6376 §3.6.1)."""
    algorithm, _ = _signing_key(private_key_pem)
    pem = private_key_pem.encode() if isinstance(private_key_pem, str) else private_key_pem
    public = _load_private_key(pem).public_key()
    if algorithm == b"rsa-sha256":
        der = public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "v=DKIM1; k=ed25519; p=" + base64.b64encode(raw).decode()
