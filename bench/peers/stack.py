"""Start, stop and inspect the peer stack (Postfix + Dovecot) on loopback, without systemd.

    python -m bench.peers.stack start [--base DIR]    # install if missing, configure, start
    python -m bench.peers.stack status [--base DIR]
    python -m bench.peers.stack stop [--base DIR]     # leaves no process of the stack running

The stack's ports (chosen free by the OS at start) and users are kept in ``BASE/stack.json``.
Both masters are started in the foreground-less way their packages document (``postfix -c DIR
start``, ``dovecot -c FILE``) and stopped by the PID in their PID file: SIGTERM, a wait for the
master *and every child it had*, then SIGKILL for any straggler, so ``stop`` leaves nothing.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.peers import config
from bench.peers.config import Layout, Ports
from bench.peers.install import ensure_installed, installed, version

log = logging.getLogger(__name__)

DEFAULT_BASE = Path("/tmp/mailstore-peers")
#: The test users of the bench (address -> password), the same as on the mailstore side.
DEFAULT_USERS = {f"user{i}@{config.DOMAIN}": "bench" for i in range(10)}
START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0


@dataclass
class Stack:
    """A configured stack under ``layout.base``: its ports and users."""

    layout: Layout
    ports: Ports
    users: dict[str, str]

    def save(self) -> None:
        state = {"ports": asdict(self.ports), "users": self.users}
        self.layout.state_file.write_text(json.dumps(state, indent=1))

    @classmethod
    def load(cls, base: Path) -> Stack:
        layout = Layout(base)
        state = json.loads(layout.state_file.read_text())
        return cls(layout, Ports(**state["ports"]), dict(state["users"]))

    # -- commands --------------------------------------------------------------------------------
    def postfix(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["postfix", "-c", str(self.layout.postfix_etc), *args],
            capture_output=True,
            text=True,
            check=check,
        )

    def doveadm(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``doveadm -c <our dovecot.conf> ARGS`` (talks to our instance, not the system's)."""
        out = subprocess.run(
            ["doveadm", "-c", str(self.layout.dovecot_conf), *args],
            capture_output=True,
            text=True,
        )
        if check and out.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)} failed: {out.stderr.strip()}")
        return out

    def add_users(self, users: dict[str, str]) -> None:
        """Add users to Dovecot's passwd-file (re-read on change) and Postfix's map."""
        self.users.update(users)
        self._write_users()
        self.save()

    def _write_users(self) -> None:
        self.layout.users_file.write_text(config.dovecot_users(self.users))
        (self.layout.postfix_etc / "vmailbox").write_text(
            config.postfix_vmailbox(sorted(self.users))
        )

    def pids(self) -> dict[str, int | None]:
        """The running master PID of each daemon, or None."""
        return {
            "postfix": _live_pid(self.layout.postfix_pidfile),
            "dovecot": _live_pid(self.layout.dovecot_pidfile),
        }


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now (the OS's choice for port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def configure(base: Path, users: dict[str, str]) -> Stack:
    """Write every config file under ``base`` (new free ports) and the empty spool folders."""
    layout = Layout(base)
    ports = Ports(smtp=free_port(), imap=free_port(), pop3=free_port(), lmtp=free_port())
    for folder in (
        layout.postfix_etc,
        layout.postfix_data,
        layout.postfix_queue,
        layout.dovecot_run,
        layout.dovecot_state,
        layout.mail_root,
    ):
        folder.mkdir(parents=True, exist_ok=True)
    # postfix (queue, data) and dovecot (mail as uid 8) must traverse every parent folder
    for folder in [base, *base.parents]:
        if folder == Path("/"):
            break
        folder.chmod(folder.stat().st_mode | 0o055)
    os.chown(layout.postfix_data, _uid("postfix"), _gid("postfix"))
    os.chown(layout.mail_root, config.MAIL_UID, config.MAIL_GID)
    (layout.postfix_etc / "main.cf").write_text(config.postfix_main_cf(layout, ports))
    (layout.postfix_etc / "master.cf").write_text(config.postfix_master_cf(ports))
    layout.dovecot_conf.write_text(config.dovecot_conf(layout, ports))
    stack = Stack(layout, ports, dict(users))
    stack._write_users()
    stack.save()
    return stack


def start(base: Path = DEFAULT_BASE, users: dict[str, str] | None = None) -> Stack:
    """Install if needed, configure afresh and start both daemons; wait until they answer."""
    ensure_installed()
    if Layout(base).state_file.exists():
        stop(base)
    stack = configure(base, users if users is not None else DEFAULT_USERS)
    stack.postfix("check", check=False)  # creates the queue folders with their owners
    out = stack.postfix("start", check=False)
    if out.returncode != 0:
        raise RuntimeError(f"postfix did not start: {out.stdout}{out.stderr}")
    # dovecot forks into the background and its child keeps stdout: no pipes, or run() hangs
    errors = stack.layout.base / "dovecot" / "start.err"
    with errors.open("wb") as err:
        code = subprocess.run(
            ["dovecot", "-c", str(stack.layout.dovecot_conf)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
        ).returncode
    if code != 0:
        stop(base)
        raise RuntimeError(f"dovecot did not start: {errors.read_text()}")
    ports = stack.ports
    for name, port in (("smtp", ports.smtp), ("imap", ports.imap), ("pop3", ports.pop3)):
        if not _wait_for_banner(port):
            stop(base)
            raise RuntimeError(f"{name} on 127.0.0.1:{port} did not answer; see {base}")
    return stack


def stop(base: Path = DEFAULT_BASE) -> list[int]:
    """Stop both masters and all their children by PID; returns the PIDs that were running."""
    layout = Layout(base)
    stopped: list[int] = []
    for pidfile in (layout.postfix_pidfile, layout.dovecot_pidfile):
        pid = _live_pid(pidfile)
        if pid is None:
            continue
        tree = [pid, *_descendants(pid)]
        stopped += tree
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline and any(_alive(p) for p in tree):
            time.sleep(0.1)
        for p in tree:
            if _alive(p):
                log.warning("process %d did not exit on SIGTERM; killing it", p)
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
    return stopped


def status(base: Path = DEFAULT_BASE) -> dict[str, object]:
    """Ports, users and running master PIDs, as stored and as found in /proc."""
    if not Layout(base).state_file.exists():
        return {"base": str(base), "configured": False}
    stack = Stack.load(base)
    return {
        "base": str(base),
        "configured": True,
        "ports": asdict(stack.ports),
        "users": sorted(stack.users),
        "pids": stack.pids(),
    }


def versions() -> dict[str, str]:
    """Postfix and Dovecot versions ("" when not installed)."""
    if not installed():
        return {"postfix": "", "dovecot": ""}
    postfix = subprocess.run(
        ["postconf", "-dh", "mail_version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {"postfix": postfix, "dovecot": version(["dovecot", "--version"])}


# -- process helpers --------------------------------------------------------------------------------
def _uid(user: str) -> int:
    import pwd

    return pwd.getpwnam(user).pw_uid


def _gid(group: str) -> int:
    import grp

    return grp.getgrnam(group).gr_gid


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"  # a zombie has exited


def _live_pid(pidfile: Path) -> int | None:
    try:
        pid = int(pidfile.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if _alive(pid) else None


def _descendants(root: int) -> list[int]:
    """Every live process below ``root`` (from /proc/*/stat parent links)."""
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            parent[int(entry.name)] = int(fields[1])
    found: list[int] = []
    frontier = [root]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        found += kids
        frontier += kids
    return found


def _wait_for_banner(port: int) -> bool:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                if s.recv(512):
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.peers.stack",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=("start", "stop", "status"))
    parser.add_argument("--base", type=Path, default=DEFAULT_BASE)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.action == "start":
        stack = start(args.base)
        print(json.dumps(status(stack.layout.base), indent=1))
    elif args.action == "stop":
        pids = stop(args.base)
        print(f"stopped {len(pids)} processes" if pids else "nothing was running")
    else:
        print(json.dumps(status(args.base), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
