"""The load: client threads speaking SMTP, LMTP, IMAP and POP3 with Python's own client libraries.

Each operation records in the :class:`Ledger` what it attempted before it sends anything and what
was acknowledged once the server answered. Accounts have one mutating role each (POP3 DELE+QUIT,
IMAP UID EXPUNGE, IMAP UID MOVE), taken by one client at a time, so the ledger knows exactly which
deletions and moves were acknowledged; deliveries go to every account concurrently.
"""

from __future__ import annotations

import imaplib
import poplib
import random
import re
import smtplib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.crash.ledger import DONE, MAYBE, Ledger, make_message, new_token, token_of

PASSWORD = "crash-secret"
DOMAIN = "crash.test"
#: An alias in our domain whose only target is on the remote MX: mail to it is queued.
FORWARD = f"fwd@{DOMAIN}"
REMOTE_TARGET = "someone@remote.test"
ARCHIVE = "Archive"
ROLES = ("pop3", "expunge", "move")
TIMEOUT = 15.0
#: Large APPENDs span several reads of the IMAP server (its literal failpoint needs that).
BIG_LINES = 1500

_UID = re.compile(rb"UID (\d+)")


@dataclass(frozen=True)
class Account:
    id: int
    address: str
    role: str


@dataclass
class Weights:
    """Relative frequency of each operation."""

    table: dict[str, float] = field(
        default_factory=lambda: {
            "smtp": 5,
            "smtp2": 1,
            "forward": 1.5,
            "lmtp": 3,
            "append": 2,
            "append_big": 0.5,
            "pop3": 1.5,
            "expunge": 1.5,
            "move": 1.5,
        }
    )

    def focus(self, kinds: tuple[str, ...], factor: float = 6.0) -> Weights:
        return Weights({k: v * (factor if k in kinds else 1.0) for k, v in self.table.items()})


class Load:
    """``clients`` threads running operations while :attr:`running` is set."""

    def __init__(
        self,
        ledger: Ledger,
        accounts: list[Account],
        ports: Callable[[], dict[str, int]],
        clients: int,
        seed: int,
    ) -> None:
        self.ledger = ledger
        self.accounts = accounts
        self.ports = ports
        self.weights = Weights()
        self.running = threading.Event()
        self.stopping = False
        self._busy = 0
        self._cond = threading.Condition()
        self._role_locks = {a.id: threading.Lock() for a in accounts}
        self._threads = [
            threading.Thread(target=self._loop, args=(random.Random(seed + i),), daemon=True)
            for i in range(clients)
        ]
        for t in self._threads:
            t.start()

    # -- control ---------------------------------------------------------------------------------
    def resume(self) -> None:
        self.running.set()

    def pause(self, timeout: float = 60) -> None:
        """Stop starting operations and wait for those in flight to end."""
        self.running.clear()
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{self._busy} client operations did not finish")
                self._cond.wait(left)

    def close(self) -> None:
        self.stopping = True
        self.running.set()
        for t in self._threads:
            t.join(TIMEOUT * 2)

    # -- the loop ----------------------------------------------------------------------------------
    def _loop(self, rng: random.Random) -> None:
        while not self.stopping:
            if not self.running.wait(0.2):
                continue
            with self._cond:
                if not self.running.is_set():
                    continue
                self._busy += 1
            try:
                kinds = list(self.weights.table)
                kind = rng.choices(kinds, [self.weights.table[k] for k in kinds])[0]
                self._run(kind, rng)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _run(self, kind: str, rng: random.Random) -> None:
        ports = self.ports()
        if not ports:
            time.sleep(0.05)  # the server is down: do not spin
            return
        self.ledger.op_started(kind)
        ok = False
        try:
            ok = getattr(self, f"_op_{kind}")(rng, ports)
        except (
            OSError,
            EOFError,
            smtplib.SMTPException,
            imaplib.IMAP4.error,
            poplib.error_proto,
        ) as exc:
            self.ledger.failure(kind, str(exc)[:60])
        except Exception as exc:  # a bug in the harness (or a reply it cannot parse): reported
            self.ledger.client_error(f"{kind}: {type(exc).__name__}: {exc}")
        self.ledger.op_done(kind, ok)
        if not ok:
            time.sleep(0.02)

    def _pick(self, rng: random.Random, role: str | None = None) -> Account:
        pool = [a for a in self.accounts if role is None or a.role == role]
        return rng.choice(pool)

    # -- deliveries ----------------------------------------------------------------------------------
    def _smtp_send(
        self, ports: dict[str, int], kind: str, rcpts: list[Account], forward: bool = False
    ) -> bool:
        token = new_token()
        to = [a.address for a in rcpts] + ([FORWARD] if forward else [])
        raw = make_message(token, to[0])
        self.ledger.sending(token, kind, raw, tuple(a.id for a in rcpts), remote=forward)
        with smtplib.SMTP("127.0.0.1", ports["smtp"], timeout=TIMEOUT) as client:
            refused = client.sendmail("crash@sender.test", to, raw)
        accepted = tuple(a.id for a in rcpts if a.address not in refused)
        self.ledger.acked(token, accepted, remote=forward and FORWARD not in refused)
        return True

    def _op_smtp(self, rng: random.Random, ports: dict[str, int]) -> bool:
        return self._smtp_send(ports, "smtp", [self._pick(rng)])

    def _op_smtp2(self, rng: random.Random, ports: dict[str, int]) -> bool:
        a, b = rng.sample(self.accounts, 2)
        return self._smtp_send(ports, "smtp", [a, b])

    def _op_forward(self, rng: random.Random, ports: dict[str, int]) -> bool:
        return self._smtp_send(ports, "forward", [], forward=True)

    def _op_lmtp(self, rng: random.Random, ports: dict[str, int]) -> bool:
        """LMTP answers once per recipient after DATA (RFC 2033 §4.2)."""
        rcpts = rng.sample(self.accounts, rng.choice((1, 1, 2)))
        token = new_token()
        raw = make_message(token, rcpts[0].address)
        self.ledger.sending(token, "lmtp", raw, tuple(a.id for a in rcpts))
        with smtplib.LMTP("127.0.0.1", ports["lmtp"], timeout=TIMEOUT) as client:
            code, _ = client.ehlo("crash.client")
            if code != 250:
                return False
            code, _ = client.mail("crash@sender.test")
            if code != 250:
                return False
            accepted = []
            for a in rcpts:
                code, _ = client.rcpt(a.address)
                if code == 250:
                    accepted.append(a)
            if not accepted:
                return False
            code, _ = client.data(raw)
            replies = [code] + [client.getreply()[0] for _ in accepted[1:]]
        ok = tuple(a.id for a, c in zip(accepted, replies, strict=True) if c == 250)
        self.ledger.acked(token, ok)
        return bool(ok)

    def _op_append(self, rng: random.Random, ports: dict[str, int], big: bool = False) -> bool:
        account = self._pick(rng)
        token = new_token()
        raw = make_message(token, account.address, lines=BIG_LINES if big else rng.randint(3, 40))
        with self._imap(ports, account) as m:
            self.ledger.sending(token, "append", raw, (account.id,))
            typ, _ = m.append("INBOX", None, None, raw)
            if typ != "OK":
                return False
        self.ledger.acked(token, (account.id,))
        return True

    def _op_append_big(self, rng: random.Random, ports: dict[str, int]) -> bool:
        return self._op_append(rng, ports, big=True)

    # -- mutations ---------------------------------------------------------------------------------
    def _locked_account(
        self, rng: random.Random, role: str
    ) -> tuple[Account, threading.Lock] | None:
        account = self._pick(rng, role)
        lock = self._role_locks[account.id]
        if not lock.acquire(blocking=False):
            return None
        return account, lock

    def _imap(self, ports: dict[str, int], account: Account) -> _IMAP:
        return _IMAP(ports["imap"], account)

    def _fetch_tokens(self, m: imaplib.IMAP4, rng: random.Random, most: int) -> dict[int, str]:
        """A few random messages of the selected mailbox: uid -> token."""
        typ, data = m.select("INBOX")
        if typ != "OK":
            return {}
        exists = int(data[0] or 0)
        if not exists:
            return {}
        seqs = rng.sample(range(1, exists + 1), min(most, exists))
        typ, items = m.fetch(
            ",".join(map(str, seqs)), "(UID BODY.PEEK[HEADER.FIELDS (X-CRASH-TOKEN)])"
        )
        found: dict[int, str] = {}
        for item in items if typ == "OK" else []:
            if isinstance(item, tuple):
                uid = _UID.search(item[0])
                token = token_of(item[1])
                if uid and token:
                    found[int(uid.group(1))] = token
        return found

    def _op_expunge(self, rng: random.Random, ports: dict[str, int]) -> bool:
        """UID STORE \\Deleted then UID EXPUNGE (RFC 4315) of exactly those uids."""
        got = self._locked_account(rng, "expunge")
        if got is None:
            return False
        account, lock = got
        try:
            with self._imap(ports, account) as m:
                found = self._fetch_tokens(m, rng, 3)
                if not found:
                    return False
                uids = ",".join(map(str, found))
                typ, _ = m.uid("STORE", uids, "+FLAGS.SILENT", "(\\Deleted)")
                if typ != "OK":
                    return False
                keys = [(t, account.id) for t in found.values()]
                self.ledger.mark(self.ledger.deleted, keys, MAYBE)
                typ, _ = m.uid("EXPUNGE", uids)
                if typ != "OK":
                    return False
                self.ledger.mark(self.ledger.deleted, keys, DONE)
                return True
        finally:
            lock.release()

    def _op_move(self, rng: random.Random, ports: dict[str, int]) -> bool:
        """UID MOVE (RFC 6851) to Archive: one copy must exist whatever happens."""
        got = self._locked_account(rng, "move")
        if got is None:
            return False
        account, lock = got
        try:
            with self._imap(ports, account) as m:
                found = self._fetch_tokens(m, rng, 3)
                if not found:
                    return False
                keys = [(t, account.id) for t in found.values()]
                self.ledger.mark(self.ledger.moved, keys, MAYBE)
                typ, _ = m.uid("MOVE", ",".join(map(str, found)), ARCHIVE)
                if typ != "OK":
                    return False
                self.ledger.mark(self.ledger.moved, keys, DONE)
                return True
        finally:
            lock.release()

    def _op_pop3(self, rng: random.Random, ports: dict[str, int]) -> bool:
        """DELE a few, then QUIT (deleted once +OK) or drop the connection (nothing deleted)."""
        got = self._locked_account(rng, "pop3")
        if got is None:
            return False
        account, lock = got
        try:
            client = poplib.POP3("127.0.0.1", ports["pop3"], timeout=TIMEOUT)
            try:
                client.user(account.address)
                client.pass_(PASSWORD)
                count, _ = client.stat()
                if not count:
                    client.quit()
                    return False
                chosen = rng.sample(range(1, count + 1), min(3, count))
                keys = []
                for n in chosen:
                    _, lines, _ = client.top(n, 0)
                    token = token_of(b"\r\n".join(lines) + b"\r\n")
                    if token:
                        keys.append((token, account.id))
                    client.dele(n)
                if rng.random() < 0.25:
                    # RFC 1939 §6: no QUIT, no UPDATE state: every DELE must be undone
                    self.ledger.mark_without_quit(keys)
                    client.sock.close()
                    client.sock = None
                    return True
                self.ledger.mark(self.ledger.deleted, keys, MAYBE)
                reply = client.quit()
                if not reply.startswith(b"+OK"):
                    return False
                self.ledger.mark(self.ledger.deleted, keys, DONE)
                return True
            finally:
                if client.sock is not None:
                    client.sock.close()
        finally:
            lock.release()


class _IMAP:
    """imaplib login/logout as a context manager with a socket timeout."""

    def __init__(self, port: int, account: Account) -> None:
        self.m = imaplib.IMAP4("127.0.0.1", port, timeout=TIMEOUT)
        try:
            self.m.login(account.address, PASSWORD)
        except BaseException:
            self._close()
            raise

    def __enter__(self) -> imaplib.IMAP4:
        return self.m

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                self.m.logout()
        except (OSError, imaplib.IMAP4.error, EOFError):
            pass
        finally:
            self._close()

    def _close(self) -> None:
        try:
            self.m.shutdown()
        except (OSError, AttributeError):
            try:
                self.m.sock.close()
            except (OSError, AttributeError):
                pass


def probe_smtp(ledger: Ledger, port: int, account: Account) -> tuple[int, str]:
    """One delivery attempt during a database outage: (code, text) of the first refusal, or
    (250, ...) when the message was accepted."""
    token = new_token()
    to = account.address
    raw = make_message(token, to)
    ledger.sending(token, "probe", raw, (account.id,))
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=TIMEOUT) as client:
            client.sendmail("probe@sender.test", [to], raw)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        return code, text.decode(errors="replace")
    except smtplib.SMTPResponseException as exc:
        return exc.smtp_code, exc.smtp_error.decode(errors="replace")
    except (OSError, smtplib.SMTPServerDisconnected) as exc:
        return 0, f"connection: {exc}"
    ledger.acked(token, (account.id,))
    return 250, token
