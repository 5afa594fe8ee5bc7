"""Private configuration of the peer stack: Postfix (MX) handing mail to Dovecot over LMTP.

Everything lives under one base folder, nothing under /etc is touched: Postfix runs as
``postfix -c BASE/postfix/etc`` with its own queue and data directories, Dovecot as
``dovecot -c BASE/dovecot/dovecot.conf`` with its own base_dir, state_dir and log. Both listen
on 127.0.0.1 only. The settings are the packages' defaults except where a benchmark on loopback
needs otherwise (each such line says why), so the numbers are what a user of the stock stack
would see.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DOMAIN = "example.org"
#: Dovecot stores mail as this system user (Debian's ``mail``, uid/gid 8): never as root.
MAIL_UID = 8
MAIL_GID = 8


@dataclass(frozen=True)
class Ports:
    """The loopback ports of the stack (SMTP is Postfix; IMAP, POP3 and LMTP are Dovecot)."""

    smtp: int
    imap: int
    pop3: int
    lmtp: int


@dataclass(frozen=True)
class Layout:
    """Where each piece of the stack keeps its files under ``base``."""

    base: Path

    @property
    def postfix_etc(self) -> Path:
        return self.base / "postfix" / "etc"

    @property
    def postfix_queue(self) -> Path:
        return self.base / "postfix" / "spool"

    @property
    def postfix_data(self) -> Path:
        return self.base / "postfix" / "data"

    @property
    def postfix_log(self) -> Path:
        return self.base / "postfix" / "postfix.log"

    @property
    def postfix_pidfile(self) -> Path:
        return self.postfix_queue / "pid" / "master.pid"

    @property
    def dovecot_conf(self) -> Path:
        return self.base / "dovecot" / "dovecot.conf"

    @property
    def dovecot_run(self) -> Path:
        return self.base / "dovecot" / "run"

    @property
    def dovecot_state(self) -> Path:
        return self.base / "dovecot" / "state"

    @property
    def dovecot_log(self) -> Path:
        return self.base / "dovecot" / "dovecot.log"

    @property
    def dovecot_pidfile(self) -> Path:
        return self.dovecot_run / "master.pid"

    @property
    def users_file(self) -> Path:
        return self.base / "dovecot" / "users"

    @property
    def mail_root(self) -> Path:
        return self.base / "mail"

    def home(self, address: str) -> Path:
        """The Dovecot home of ``address`` (``%d/%n`` under the mail root)."""
        local, _, domain = address.partition("@")
        return self.mail_root / domain / local

    def maildir(self, address: str) -> Path:
        return self.home(address) / "Maildir"

    @property
    def state_file(self) -> Path:
        return self.base / "stack.json"


def postfix_main_cf(layout: Layout, ports: Ports) -> str:
    """main.cf: virtual mailbox domain example.org, delivered by LMTP to Dovecot."""
    return f"""\
# written by bench.peers; the stock defaults unless a comment says why
compatibility_level = 3.6
queue_directory = {layout.postfix_queue}
data_directory = {layout.postfix_data}
mail_owner = postfix
setgid_group = postdrop
maillog_file = {layout.postfix_log}
maillog_file_prefixes = {layout.base}
myhostname = peer.{DOMAIN}
mydomain = {DOMAIN}
myorigin = {DOMAIN}
# loopback only, and no local delivery: every recipient is a virtual mailbox in Dovecot
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relayhost =
relay_domains =
virtual_mailbox_domains = {DOMAIN}
virtual_mailbox_maps = texthash:{layout.postfix_etc}/vmailbox
virtual_transport = lmtp:inet:127.0.0.1:{ports.lmtp}
# the same 50 MB limit as mailstore's [limits] message_size
message_size_limit = 52428800
biff = no
append_dot_mydomain = no
smtpd_banner = $myhostname ESMTP
# the benchmark's 16 connections come from one address (the default limit is 50)
smtpd_client_connection_count_limit = 100
"""


#: master.cf: the stock services, none chrooted (the queue is not under /var/spool/postfix).
POSTFIX_SERVICES = """\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def postfix_master_cf(ports: Ports) -> str:
    return f"127.0.0.1:{ports.smtp} inet n - n - - smtpd\n" + POSTFIX_SERVICES


def postfix_vmailbox(addresses: list[str]) -> str:
    """The virtual mailbox map: only listed recipients are accepted (550 5.1.1 otherwise)."""
    return "".join(f"{a} {a}\n" for a in addresses)


def dovecot_users(users: dict[str, str]) -> str:
    """passwd-file lines ``user:{PLAIN}password::::::`` (the bench passwords are not secrets)."""
    return "".join(f"{user}:{{PLAIN}}{password}::::::\n" for user, password in users.items())


def dovecot_conf(layout: Layout, ports: Ports) -> str:
    """A self-contained dovecot.conf (no includes of /etc/dovecot): Maildir, passwd-file."""
    return f"""\
# written by bench.peers; the stock defaults unless a comment says why
base_dir = {layout.dovecot_run}
state_dir = {layout.dovecot_state}
instance_name = mailstore-peer
protocols = imap pop3 lmtp
listen = 127.0.0.1
log_path = {layout.dovecot_log}
ssl = no
# loopback clients, as mailstore allows plaintext LOGIN/USER+PASS from loopback
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{layout.mail_root}/%d/%n/Maildir
mail_uid = {MAIL_UID}
mail_gid = {MAIL_GID}
first_valid_uid = {MAIL_UID}
first_valid_gid = {MAIL_GID}
postmaster_address = postmaster@{DOMAIN}
hostname = peer.{DOMAIN}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {layout.users_file}
}}
userdb {{
  driver = static
  args = uid={MAIL_UID} gid={MAIL_GID} home={layout.mail_root}/%d/%n
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {ports.imap}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {ports.pop3}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {ports.lmtp}
  }}
}}
protocol imap {{
  # the benchmark's 50 sessions share one user and one address (the default allows 10)
  mail_max_userip_connections = 1000
}}
protocol pop3 {{
  mail_max_userip_connections = 100
}}
"""
