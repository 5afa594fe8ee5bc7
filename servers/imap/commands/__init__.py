"""Command handlers, one module per command group (mirroring ``parse/``).

Each handler is ``async def handler(session, command) -> Done | None``; its docstring names
the states it is allowed in, which ``dispatch.TABLE`` enforces.
"""
