"""Generated commands (random names, sets, criteria trees) survive encode -> parse unchanged."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from servers.imap.parse import (
    Create,
    Fetch,
    FetchAttr,
    Login,
    Search,
    SearchReturn,
    SectionSpec,
    SectionText,
    SequenceSet,
    Store,
    StoreAction,
)
from servers.imap.parse.fetch import BinarySize, BodySection
from servers.imap.parse.search_keys import HeaderContains, Not, Or, SearchKey, conjunction

from .helpers import reparse
from .table_search import KEYS

NUMBER = st.integers(min_value=1, max_value=2**32 - 1)
SEQ_NUMBER = st.one_of(NUMBER, st.none())
SEQUENCE = st.lists(st.tuples(SEQ_NUMBER, SEQ_NUMBER), min_size=1, max_size=5).map(
    lambda ranges: SequenceSet(tuple(ranges))
)
TAG = st.text(alphabet="abcXYZ019.-]!", min_size=1, max_size=8)
NAME_CHARS = st.characters(exclude_categories=["Cs", "Cc"], exclude_characters="\x7f")
MAILBOX = st.text(alphabet=NAME_CHARS, max_size=20).filter(lambda name: name.upper() != "INBOX")
TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=20
)
KEYWORD = st.text(alphabet="abcXYZ$_019", min_size=1, max_size=10)

LEAF_KEYS = st.one_of(
    st.sampled_from([key for _, key in KEYS]),
    st.builds(HeaderContains, st.sampled_from(["from", "subject", "x-spam", "list-id"]), TEXT),
)


def _extend(children: st.SearchStrategy[SearchKey]) -> st.SearchStrategy[SearchKey]:
    return st.one_of(
        st.builds(Not, children),
        st.builds(Or, children, children),
        st.lists(children, min_size=2, max_size=4).map(conjunction),
    )


CRITERIA = st.recursive(LEAF_KEYS, _extend, max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(
    tag=TAG,
    uid=st.booleans(),
    criteria=CRITERIA,
    returns=st.none() | st.lists(st.sampled_from(SearchReturn)).map(tuple),
)
def test_search_trees(
    tag: str, uid: bool, criteria: SearchKey, returns: tuple[SearchReturn, ...] | None
) -> None:
    command = Search(tag, uid, criteria, "UTF-8", returns)
    assert reparse(command) == command


@settings(max_examples=300, deadline=None)
@given(tag=TAG, name=MAILBOX, utf8=st.booleans())
def test_mailbox_names(tag: str, name: str, utf8: bool) -> None:
    command = Create(tag, name)
    assert reparse(command, utf8=utf8) == command


@settings(max_examples=200, deadline=None)
@given(tag=TAG, userid=TEXT, password=TEXT)
def test_login_strings(tag: str, userid: str, password: str) -> None:
    command = Login(tag, userid, password)
    assert reparse(command) == command


PART = st.lists(NUMBER, max_size=4).map(tuple)
FIELDS = st.lists(
    st.sampled_from(["From", "to", "X-Spam-Flag", "Message-ID"]), min_size=1, max_size=3
).map(tuple)


@st.composite
def section_specs(draw: st.DrawFn) -> SectionSpec:
    part = draw(PART)
    texts = [
        None,
        SectionText.HEADER,
        SectionText.TEXT,
        SectionText.HEADER_FIELDS,
        SectionText.HEADER_FIELDS_NOT,
    ]
    text = draw(st.sampled_from([*texts, SectionText.MIME] if part else texts))
    fields = (
        draw(FIELDS) if text in (SectionText.HEADER_FIELDS, SectionText.HEADER_FIELDS_NOT) else ()
    )
    return SectionSpec(part, text, fields)


PARTIAL = st.none() | st.tuples(st.integers(0, 2**63 - 1), st.integers(1, 2**63 - 1))
FETCH_ITEM = st.one_of(
    st.sampled_from(FetchAttr),
    st.builds(BodySection, st.booleans(), section_specs(), PARTIAL),
    st.builds(
        lambda peek, part, partial: BodySection(peek, SectionSpec(part), partial, True),
        st.booleans(),
        PART,
        PARTIAL,
    ),
    st.builds(BinarySize, PART),
)


@settings(max_examples=300, deadline=None)
@given(
    tag=TAG,
    uid=st.booleans(),
    sequence=SEQUENCE,
    items=st.lists(FETCH_ITEM, min_size=1, max_size=5).map(tuple),
    changedsince=st.none() | st.integers(1, 2**63 - 1),
)
def test_fetch(
    tag: str, uid: bool, sequence: SequenceSet, items: tuple, changedsince: int | None
) -> None:  # type: ignore[type-arg]
    vanished = uid and changedsince is not None
    command = Fetch(tag, uid, sequence, items, changedsince, vanished)
    assert reparse(command) == command


@settings(max_examples=200, deadline=None)
@given(
    tag=TAG,
    sequence=SEQUENCE,
    action=st.sampled_from(StoreAction),
    flags=st.lists(st.one_of(KEYWORD, st.sampled_from(["\\Seen", "\\Deleted", "\\X-Ext"]))).map(
        tuple
    ),
    silent=st.booleans(),
    unchangedsince=st.none() | st.integers(0, 2**63 - 1),
)
def test_store(
    tag: str,
    sequence: SequenceSet,
    action: StoreAction,
    flags: tuple[str, ...],
    silent: bool,
    unchangedsince: int | None,
) -> None:
    command = Store(tag, True, sequence, action, flags, silent, unchangedsince)
    assert reparse(command) == command
