"""``mailstore serve``: start the database and every front end; stop cleanly on a signal."""

from __future__ import annotations

import argparse

from mailstore.cli.common import config_from_args, console
from mailstore.runtime import ensure_schema, open_database, open_store
from mailstore.store.durability import refuse_unsafe_database
from mailstore.tls import ensure_certificate, mx_server_context, server_context


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("serve", help="run the mail server")
    p.add_argument("--migrate", action="store_true", help="upgrade the database schema first")
    p.set_defaults(func=serve)


async def serve(args: argparse.Namespace) -> int:
    from servers.runner import Context, Runner  # the engine never imports servers at import time

    config = config_from_args(args)
    say = lambda line: console.print(line, markup=False, highlight=False)  # noqa: E731
    say(f"home: {config.home}")
    handle = open_database(config)
    say(
        f"database: {'embedded PostgreSQL in ' + str(config.home / 'pgdata') if handle.embedded else 'configured URL'}"
    )
    if config.database.unsafe_durability:
        say("database: unsafe_durability is set: acknowledged mail may be lost in a crash")
    else:
        await refuse_unsafe_database(handle.url)  # fsync, full_page_writes, synchronous_commit
    await ensure_schema(handle, args.migrate)
    cert, key = ensure_certificate(config)
    say(f"tls certificate: {cert}")
    store = await open_store(config, handle)
    listener = await store.listener()
    try:
        tls, tls_mx = server_context(cert, key), mx_server_context(cert, key)
        runner = Runner(Context(config, store, listener, tls, tls_mx=tls_mx))
        await runner.run_until_signal(say)
    finally:
        await listener.close()
        await store.close()
    return 0
