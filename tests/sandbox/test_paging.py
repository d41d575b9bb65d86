"""`action list` and `connection list` page 10 at a time with a cursor, as Membrane's API does."""

from __future__ import annotations

import pytest

from wrapper.sandbox import apps, paging


def _pages(sb, *argv: str) -> list[dict]:
    """Every page of a list, following the cursor until a page has none."""
    pages = [sb(*argv, "--json").json]
    while "cursor" in pages[-1]:
        assert isinstance(pages[-1]["cursor"], str) and pages[-1]["cursor"]
        pages.append(sb(*argv, "--cursor", pages[-1]["cursor"], "--json").json)
        assert len(pages) < 50
    return pages


def test_action_list_pages_10_at_a_time_with_a_cursor(sb, connect) -> None:
    cid = connect("chatwoot")
    pages = _pages(sb, "action", "list", f"--connectionId={cid}")
    keys = [item["key"] for page in pages for item in page["items"]]
    total = len(apps.load("chatwoot").actions)
    assert [len(page["items"]) for page in pages] == [10] * (total // 10) + [total % 10]
    assert keys == list(apps.load("chatwoot").actions)  # every action once, in order
    assert set(pages[-1]) == {"items"}  # the last page has no cursor


def test_chaport_lists_its_20_keys_in_two_full_pages(sb, connect) -> None:
    cid = connect("chaport")
    pages = _pages(sb, "action", "list", f"--connectionId={cid}")
    assert [len(page["items"]) for page in pages] == [10, 10]
    assert len({item["key"] for page in pages for item in page["items"]}) == 20


def test_the_older_dialect_argv_pages_too(sb, connect) -> None:
    cid = connect("chaport")
    intent = "--intent=visitor operator webhook chat"
    first = sb("action", "list", intent, f"--connectionId={cid}", "--json").json
    assert len(first["items"]) == 10 and first["cursor"]
    argv = ("action", "list", f"--cursor={first['cursor']}", intent, f"--connectionId={cid}")
    assert sb(*argv, "--json").json["items"][0]["key"] not in {i["key"] for i in first["items"]}


def test_limit_is_honoured_and_capped_at_100(sb, connect) -> None:
    cid = connect("chatwoot")
    twenty = sb("action", "list", f"--connectionId={cid}", "--limit", "20", "--json").json
    assert len(twenty["items"]) == 20 and twenty["cursor"]
    rest = sb("action", "list", f"--connectionId={cid}", "--limit=20",
              f"--cursor={twenty['cursor']}", "--json").json  # fmt: skip
    total = len(apps.load("chatwoot").actions)
    assert len(rest["items"]) == total - 20 and "cursor" not in rest
    everything = sb("action", "list", f"--connectionId={cid}", "--limit", "1000", "--json").json
    assert len(everything["items"]) == total and "cursor" not in everything


def test_intent_ranking_pages_in_rank_order(sb, connect) -> None:
    cid = connect("chatwoot")
    argv = ("action", "list", f"--connectionId={cid}", "--intent", "list conversations")
    whole = sb(*argv, "--limit", "100", "--json").json["items"]
    paged = [item for page in _pages(sb, *argv, "--limit", "3") for item in page["items"]]
    assert [i["key"] for i in paged] == [i["key"] for i in whole]
    assert paged[0]["key"] == "list-conversations"


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (("--limit", "0"), "--limit must be at least 1, not 0"),
        (("--limit", "ten"), "--limit must be a number, not 'ten'"),
        (("--cursor", "not-a-cursor"),
         "Invalid cursor 'not-a-cursor': pass the cursor of the previous page as given"),
    ],
)  # fmt: skip
def test_bad_limits_and_cursors_are_bad_requests(sb, connect, option, message) -> None:
    cid = connect("chatra")
    for argv in (("action", "list", f"--connectionId={cid}"), ("connection", "list")):
        result = sb(*argv, *option, "--json")
        assert result.code == 1
        assert result.json == {"type": "bad_request", "message": message}
        assert result.err == f"Error: {message}\n"


def test_connection_list_pages_with_limit_and_cursor(sb, connect) -> None:
    ids = [connect(app) for app in ("chatwoot", "chaport", "chatra")]
    assert [c["id"] for c in sb("connection", "list", "--json").json["items"]] == ids
    pages = _pages(sb, "connection", "list", "--limit", "2")
    assert [[c["id"] for c in page["items"]] for page in pages] == [ids[:2], ids[2:]]
    assert set(pages[-1]) == {"items"}


def test_connection_list_pages_10_by_default(sb, monkeypatch) -> None:
    """Only three apps exist, so eleven connections are made the way a person would: by hand."""
    from wrapper.sandbox.store import Store

    store = Store()
    try:
        with store.write():
            for n in range(11):
                record = {"id": f"{n:024x}", "key": "chatra", "state": "READY", "name": "Chatra"}
                store.put("membrane", "connection", record["id"], record)
    finally:
        store.close()
    pages = _pages(sb, "connection", "list")
    assert [len(page["items"]) for page in pages] == [10, 1]
    assert pages[1]["items"][0]["id"] == f"{10:024x}"


def test_cursors_are_opaque_strings_that_round_trip() -> None:
    from wrapper.sandbox.argv import parse

    cursor = paging.encode(30)
    assert "30" not in cursor and cursor.isascii()
    assert paging.window(parse(["--cursor", cursor, "--limit", "5"])) == (30, 5)
