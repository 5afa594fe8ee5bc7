"""Install the peer stack's Debian packages, without letting them start any service.

Debian's maintainer scripts start a daemon right after unpacking it (through ``invoke-rc.d``).
A benchmark must own every process it measures, so while ``apt-get`` runs a ``policy-rc.d``
that answers 101 ("action forbidden", see /usr/share/doc/init-system-helpers/README.policy-rc.d)
blocks every start; afterwards any daemon that started anyway is stopped by its PID file.
Nothing under /etc/postfix or /etc/dovecot is edited: the stack runs from its own config.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

log = logging.getLogger(__name__)

PACKAGES = ("postfix", "dovecot-imapd", "dovecot-pop3d", "dovecot-lmtpd")
POLICY = Path("/usr/sbin/policy-rc.d")
#: PID files of the daemons a package may have started with the system's own config.
SYSTEM_PIDFILES = (
    Path("/var/spool/postfix/pid/master.pid"),
    Path("/run/dovecot/master.pid"),
)


def missing_packages() -> list[str]:
    """The packages of :data:`PACKAGES` that dpkg does not list as installed."""
    missing = []
    for name in PACKAGES:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True
        )
        if out.returncode != 0 or "install ok installed" not in out.stdout:
            missing.append(name)
    return missing


def installed() -> bool:
    """Whether the whole stack is installed (binaries on PATH and packages known to dpkg)."""
    return (
        shutil.which("dpkg-query") is not None
        and not missing_packages()
        and Path("/usr/sbin/postfix").exists()
        and Path("/usr/sbin/dovecot").exists()
    )


def ensure_installed() -> None:
    """Install what is missing (as root), with service starts blocked, then stop strays."""
    missing = missing_packages()
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"installing {' '.join(missing)} needs root")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    had_policy = POLICY.exists()
    if not had_policy:
        POLICY.write_text(
            "#!/bin/sh\n# written by bench.peers.install: no service starts\nexit 101\n"
        )
        POLICY.chmod(0o755)
    try:
        # Postfix asks a debconf question; "No configuration" leaves /etc/postfix alone.
        subprocess.run(
            ["debconf-set-selections"],
            input="postfix postfix/main_mailer_type select No configuration\n",
            text=True,
            check=False,
        )
        log.info("apt-get install %s", " ".join(missing))
        update = subprocess.run(["apt-get", "update", "-q"], env=env, check=False)
        if update.returncode != 0:
            log.warning("apt-get update failed; trying the install anyway")
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
            env=env,
            check=True,
        )
    finally:
        if not had_policy:
            POLICY.unlink(missing_ok=True)
    stop_system_daemons()


def stop_system_daemons() -> None:
    """Stop a postfix or dovecot master that runs from the system config (by its PID file)."""
    for pidfile in SYSTEM_PIDFILES:
        try:
            pid = int(pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        log.info("stopped system daemon %d (%s)", pid, pidfile)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)


def version(command: list[str]) -> str:
    """First line of a version command's output, or "" when it cannot run."""
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except OSError:
        return ""
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else ""
