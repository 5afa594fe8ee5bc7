"""contrib/: the sample configuration and the systemd unit stay in step with the code."""

from __future__ import annotations

import dataclasses
import shlex
import tomllib
import typing
from pathlib import Path

from mailstore.cli.main import build_parser
from mailstore.config import Config, load_config, parse_hostport

CONTRIB = Path(__file__).resolve().parents[2] / "contrib"


def test_sample_config_loads_with_standard_ports(tmp_path: Path) -> None:
    config = load_config(home=tmp_path, path=CONTRIB / "mailstore.toml", environ={})
    ports = {
        f.name: parse_hostport(getattr(config.listeners, f.name))[1]
        for f in dataclasses.fields(config.listeners)
    }
    assert ports == {
        "smtp": 25,
        "submission": 587,
        "submissions": 465,
        "lmtp": 24,
        "imap": 143,
        "imaps": 993,
        "pop3": 110,
        "pop3s": 995,
    }
    assert parse_hostport(config.listeners.lmtp)[0] == "127.0.0.1"
    assert config.tls.cert.startswith("/etc/letsencrypt/live/")
    assert config.database.url.startswith("postgresql://")
    assert config.database.unsafe_durability is False
    assert config.queue.remote_port == 25


def test_sample_config_shows_every_key() -> None:
    raw = tomllib.loads((CONTRIB / "mailstore.toml").read_text(encoding="utf-8"))
    hints = typing.get_type_hints(Config)
    expected = {
        f.name: {g.name for g in dataclasses.fields(hints[f.name])}
        for f in dataclasses.fields(Config)
        if f.name != "home"
    }
    assert {name: set(values) for name, values in raw.items()} == expected


def test_unit_runs_an_existing_subcommand() -> None:
    unit = (CONTRIB / "mailstore.service").read_text(encoding="utf-8")
    (exec_start,) = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    argv = shlex.split(exec_start.removeprefix("ExecStart="))
    assert Path(argv[0]).name == "mailstore"
    args = build_parser().parse_args(argv[1:])
    assert args.command == "serve"
    assert str(args.home) == "/var/lib/mailstore"
    for line in (
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/mailstore",
        "PrivateTmp=yes",
        "AmbientCapabilities=CAP_NET_BIND_SERVICE",
        "User=mailstore",
    ):
        assert line in unit.splitlines()
