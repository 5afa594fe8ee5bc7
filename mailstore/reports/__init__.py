"""SQL reporting: the ``report`` schema of views, the report catalogue and its query runner,
pruning of the mail log, and the read-only reporting role.

The facts the views read are written by the engine (:mod:`mailstore.store.maillog`); this
package only reads them (and prunes old ones).
"""
