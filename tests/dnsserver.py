"""A small authoritative DNS server on loopback for tests: real UDP and TCP, dnspython wire code.

::

    with DNSServer({("example.com", "TXT"): ['"v=spf1 ip4:192.0.2.1 -all"']}) as server:
        resolver = make_resolver(DNSConfig(nameservers=[server.nameserver]))
        server.set("example.com", "MX", ["10 mx.example.com."])

Every name in the records is served authoritatively (AA set):

* a name with records of the asked type: those records (CNAMEs are followed inside the zone,
  RFC 1034 §4.3.2);
* a name that exists (it owns records, or a name below it does: an empty non-terminal,
  RFC 8020) but has none of that type: NOERROR with no answer (RFC 2308 §2.2);
* anything else: NXDOMAIN (RFC 2308 §2.1).

Negative answers carry an SOA with TTL 0 so resolvers do not cache them; records are served
with ``ttl`` (0 by default), so changes made while the server runs are seen at once.
UDP answers larger than 512 octets (or the client's EDNS size) are truncated (TC, RFC 1035
§4.2.1) and the client retries over TCP on the same port (RFC 7766).
Names in :attr:`DNSServer.servfail` get SERVFAIL, to test temporary errors without timeouts.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
from collections.abc import Iterable, Mapping

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

Records = Mapping[tuple[str, str], Iterable[str]]

_SOA = "ns.test. hostmaster.test. 1 3600 600 86400 %d"


def txt_rdata(value: str | bytes) -> str:
    """Presentation form of a TXT record holding ``value``, split in 255-octet strings."""
    data = value.encode() if isinstance(value, str) else value
    chunks = [data[i : i + 255] for i in range(0, len(data), 255)] or [b""]
    parts = []
    for chunk in chunks:
        text = "".join(
            chr(c) if 0x20 <= c < 0x7F and c not in (0x22, 0x5C) else f"\\{c:03d}" for c in chunk
        )
        parts.append(f'"{text}"')
    return " ".join(parts)


class DNSServer:
    """An authoritative responder on 127.0.0.1, UDP and TCP on one OS-chosen port."""

    def __init__(self, records: Records | None = None, *, ttl: int = 0) -> None:
        self.ttl = ttl
        #: Names answered with SERVFAIL (lower case, no trailing dot).
        self.servfail: set[str] = set()
        #: Every query received, as (name, type) text, for assertions.
        self.queries: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._records: dict[tuple[dns.name.Name, int], list[dns.rdata.Rdata]] = {}
        for (name, rdtype), values in (records or {}).items():
            self.set(name, rdtype, values)
        self._udp, self._tcp = self._bind()
        self.port: int = self._udp.server_address[1]
        self._threads = [
            threading.Thread(target=s.serve_forever, args=(0.05,), name=f"dns-{kind}", daemon=True)
            for kind, s in (("udp", self._udp), ("tcp", self._tcp))
        ]
        for thread in self._threads:
            thread.start()

    @property
    def nameserver(self) -> str:
        """The ``host:port`` to put in ``[dns] nameservers``."""
        return f"127.0.0.1:{self.port}"

    # -- zone data ---------------------------------------------------------------------------

    def set(self, name: str, rdtype: str, values: Iterable[str]) -> None:
        """Replace the ``rdtype`` records of ``name`` (presentation format); empty removes."""
        key = (_absolute(name), dns.rdatatype.from_text(rdtype))
        rdatas = [dns.rdata.from_text(dns.rdataclass.IN, key[1], v) for v in values]
        with self._lock:
            if rdatas:
                self._records[key] = rdatas
            else:
                self._records.pop(key, None)

    def add(self, name: str, rdtype: str, *values: str) -> None:
        """Add records to ``name``'s ``rdtype`` set."""
        key = (_absolute(name), dns.rdatatype.from_text(rdtype))
        rdatas = [dns.rdata.from_text(dns.rdataclass.IN, key[1], v) for v in values]
        with self._lock:
            self._records.setdefault(key, []).extend(rdatas)

    def set_txt(self, name: str, *values: str | bytes) -> None:
        """Replace the TXT records of ``name`` with ``values`` (split as needed)."""
        self.set(name, "TXT", [txt_rdata(v) for v in values])

    def reset(self) -> None:
        """Forget every record, SERVFAIL name and logged query (for a shared server)."""
        with self._lock:
            self._records.clear()
            self.servfail.clear()
            self.queries.clear()

    def remove(self, name: str, rdtype: str | None = None) -> None:
        """Remove ``name``'s records of ``rdtype``, or all of them."""
        owner = _absolute(name)
        with self._lock:
            for key in list(self._records):
                if key[0] == owner and (
                    rdtype is None or key[1] == dns.rdatatype.from_text(rdtype)
                ):
                    del self._records[key]

    # -- answering ---------------------------------------------------------------------------

    def answer(self, wire: bytes) -> dns.message.Message | None:
        """The response to a query in wire format (None: not worth an answer)."""
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if len(query.question) != 1:
            response.set_rcode(dns.rcode.FORMERR)
            return response
        question = query.question[0]
        qname, qtype = question.name, question.rdtype
        text = qname.to_text(True).lower()
        with self._lock:
            self.queries.append((text, dns.rdatatype.to_text(qtype)))
            if text in self.servfail:
                response.flags &= ~dns.flags.AA
                response.set_rcode(dns.rcode.SERVFAIL)
                return response
            rcode = self._fill(response, qname, qtype)
        response.set_rcode(rcode)
        return response

    def _fill(
        self, response: dns.message.Message, qname: dns.name.Name, qtype: int
    ) -> dns.rcode.Rcode:
        for _ in range(8):  # CNAME chain inside the zone, bounded
            rdatas = self._records.get((qname, qtype))
            if rdatas:
                response.answer.append(self._rrset(qname, qtype, rdatas))
                return dns.rcode.NOERROR
            cname = self._records.get((qname, dns.rdatatype.CNAME))
            if not cname or qtype == dns.rdatatype.CNAME:
                break
            response.answer.append(self._rrset(qname, dns.rdatatype.CNAME, cname))
            qname = cname[0].target  # type: ignore[attr-defined]
        exists = any(owner.is_subdomain(qname) for owner, _ in self._records)
        # the negative answer's TTL (RFC 2308 §5) follows ``ttl``: 0 (the tests' default)
        # means resolvers cache nothing
        soa = dns.rrset.from_text(
            qname.parent() if len(qname) > 1 else qname, self.ttl, "IN", "SOA", _SOA % self.ttl
        )
        response.authority.append(soa)
        return dns.rcode.NOERROR if exists else dns.rcode.NXDOMAIN

    def _rrset(
        self, name: dns.name.Name, rdtype: int, rdatas: list[dns.rdata.Rdata]
    ) -> dns.rrset.RRset:
        return dns.rrset.from_rdata_list(name, self.ttl, rdatas)

    # -- sockets -----------------------------------------------------------------------------

    def _bind(self) -> tuple[socketserver.UDPServer, socketserver.TCPServer]:
        """A UDP and a TCP server on the same free port (retry if TCP finds it taken)."""
        server = self
        last: OSError | None = None

        class UDPHandler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                data, sock = self.request
                response = server.answer(data)
                if response is not None:
                    sock.sendto(_udp_wire(data, response), self.client_address)

        class TCPHandler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                conn: socket.socket = self.request
                conn.settimeout(5)
                try:
                    while True:
                        head = _recv_exact(conn, 2)
                        if head is None:
                            return
                        data = _recv_exact(conn, struct.unpack("!H", head)[0])
                        if data is None:
                            return
                        response = server.answer(data)
                        if response is None:
                            return
                        wire = response.to_wire()
                        conn.sendall(struct.pack("!H", len(wire)) + wire)
                except OSError:
                    return

        for _ in range(20):
            udp = _ThreadingUDPServer(("127.0.0.1", 0), UDPHandler)
            try:
                tcp = _ThreadingTCPServer(("127.0.0.1", udp.server_address[1]), TCPHandler)
            except OSError as exc:
                udp.server_close()
                last = exc
                continue
            return udp, tcp
        raise RuntimeError(f"no free port for UDP and TCP together: {last}")

    def close(self) -> None:
        """Stop serving and close both sockets."""
        for s in (self._udp, self._tcp):
            s.shutdown()
            s.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> DNSServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _ThreadingUDPServer(socketserver.ThreadingMixIn, socketserver.UDPServer):
    daemon_threads = True


class _ThreadingTCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _absolute(name: str) -> dns.name.Name:
    return dns.name.from_text(name.rstrip(".").lower() + ".")


def _udp_wire(query_wire: bytes, response: dns.message.Message) -> bytes:
    """Response for UDP: truncated to the client's size with TC set if it does not fit."""
    limit = 512
    try:
        query = dns.message.from_wire(query_wire)
        if query.edns >= 0:
            limit = max(512, query.payload)
    except dns.exception.DNSException:
        pass
    try:
        return response.to_wire(max_size=limit)
    except dns.exception.TooBig:
        response.answer.clear()
        response.authority.clear()
        response.additional.clear()
        response.flags |= dns.flags.TC
        return response.to_wire(max_size=limit)


def _recv_exact(conn: socket.socket, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data
