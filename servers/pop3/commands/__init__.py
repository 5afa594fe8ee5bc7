"""One handler per POP3 command, grouped by state: ``auth`` (AUTHORIZATION), ``transaction``
(TRANSACTION), ``update`` (QUIT). Each is ``async (session, state, command) -> None``, named in
``servers.pop3.dispatch.TABLE`` with the states it is valid in."""
