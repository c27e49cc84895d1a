"""`reader feeds`: following feeds and syncing them into a real library file, each test
with its own site on 127.0.0.1 (tests/feedsite.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from reader.cli import main
from reader.library import Library
from tests.feedsite import Entry, Site, atom, content_html, http_date, json_feed, rss, running

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def site() -> Iterator[Site]:
    with running() as s:
        yield s


def titles() -> list[str]:
    with Library.open() as library:
        return sorted(a.title or "" for a in library.list())


def sync(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:
    capsys.readouterr()
    code = main(["feeds", "sync", "--json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def add(capsys: pytest.CaptureFixture[str], *urls: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["feeds", "add", *urls])
    out, err = capsys.readouterr()
    return code, out, err


def linked(site: Site, seeds: range, prefix: str = "/a") -> list[Entry]:
    """Entries that link to article pages on the site (no content in the feed)."""
    return [
        Entry(f"guid-{prefix}{n}", site.page(f"{prefix}{n}", n, f"Linked story {n}"), f"Item {n}")
        for n in seeds
    ]


def full(site: Site, seeds: range) -> list[Entry]:
    """Entries carrying their whole article (content:encoded), links that 404 if fetched."""
    return [
        Entry(f"full-{n}", site.url(f"/gone{n}"), f"Full story {n}", content=content_html(n))
        for n in seeds
    ]


def test_rss_atom_and_json_feed_sync_into_the_library(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    site.put("/rss", rss(full(site, range(1, 3)), title="Full RSS"))
    site.put("/atom", atom(linked(site, range(10, 12))), "application/atom+xml")
    jf = [
        Entry(f"j{n}", site.url(f"/j{n}"), f"JSON {n}", content=content_html(n)) for n in (20, 21)
    ]
    site.put("/json", json_feed(jf), "application/feed+json")
    code, out, err = add(capsys, site.url("/rss"), site.url("/atom"), site.url("/json"))
    assert code == 0, err
    assert "following 1: Full RSS" in out and "following 3: A JSON feed" in out
    code, summary, err = sync(capsys)
    assert code == 0, err
    assert summary["added"] == 6
    assert titles() == sorted(
        ["Full story 1", "Full story 2", "Linked story 10", "Linked story 11", "JSON 20", "JSON 21"]
    )
    # Full content came from the feed: the items' links (404 here) were never fetched.
    assert site.hits["/gone1"] == 0 and site.hits["/j20"] == 0
    assert site.hits["/a10"] == 1
    with Library.open() as library:
        from reader.library.feeds import article_feeds

        by_article = article_feeds(library)
        assert sorted(set(by_article.values())) == ["A JSON feed", "An Atom feed", "Full RSS"]


def test_discovery_through_link_rel_alternate(site: Site, capsys) -> None:
    site.put("/feed.xml", rss(linked(site, range(1, 2)), title="Discovered"))
    site.put(
        "/blog",
        "<html><head><title>Blog</title>"
        '<link rel="alternate" type="application/rss+xml" title="Posts" href="/feed.xml">'
        "</head><body><p>Welcome</p></body></html>",
        "text/html",
    )
    code, out, err = add(capsys, site.url("/blog"))
    assert code == 0, err
    assert f"<{site.url('/feed.xml')}>" in out and "Discovered" in out
    # An HTML page naming no feed is one line, not a traceback; nothing is followed.
    site.put("/plain", "<html><body><p>No feed here</p></body></html>", "text/html")
    code, out, err = add(capsys, site.url("/plain"))
    assert code != 0 and err.startswith(f"reader: {site.url('/plain')}: ")
    assert "Traceback" not in err and err.count("\n") == 1


def test_unchanged_feed_costs_one_conditional_request_and_adds_nothing(site: Site, capsys) -> None:
    site.put("/etag", rss(linked(site, range(1, 4))), etag='"v1"')
    site.put("/lm", rss(linked(site, range(5, 7), "/b")), last_modified=http_date())
    add(capsys, site.url("/etag"), site.url("/lm"))
    code, summary, _ = sync(capsys)
    assert code == 0 and summary["added"] == 5
    site.reset_counts()
    code, summary, _ = sync(capsys)
    assert code == 0 and summary["added"] == 0
    assert [f["status"] for f in summary["feeds"]] == ["unchanged", "unchanged"]
    assert sorted(site.answers) == [("/etag", 304), ("/lm", 304)]
    assert len(titles()) == 5


def test_items_are_taken_once_by_guid_and_by_url(site: Site, capsys) -> None:
    shared = site.page("/shared", 40, "Shared story")
    one = [
        Entry("g1", shared, "Shared"),
        Entry("g2", site.page("/p2", 41, "Second"), "Second"),
        Entry("g2", site.page("/p3", 42, "Same GUID again"), "Dup GUID"),  # duplicate GUID
    ]
    two = [Entry("other-guid", shared, "Shared elsewhere")]  # same URL, other feed
    site.put("/one", rss(one), etag='"1"')
    site.put("/two", rss(two), etag='"1"')
    add(capsys, site.url("/one"), site.url("/two"))
    code, summary, err = sync(capsys)
    assert code == 0, err
    assert titles() == ["Second", "Shared story"]
    assert site.hits["/shared"] == 1 and site.hits["/p3"] == 0
    # The feed changes (new ETag): only the new item is fetched and added.
    site.put("/one", rss([*one, Entry("g4", site.page("/p4", 43, "Fourth"), "4")]), etag='"2"')
    site.reset_counts()
    code, summary, err = sync(capsys)
    assert code == 0, err
    assert summary["added"] == 1 and titles() == ["Fourth", "Second", "Shared story"]
    assert site.hits["/shared"] == 0 and site.hits["/p2"] == 0 and site.hits["/p4"] == 1


def test_items_without_dates_or_titles(site: Site, capsys) -> None:
    entries = [
        Entry("n1", site.page("/n1", 50, "Titled by its page"), None, date=None),
        Entry(None, None, None, content=content_html(51), date=None),  # no link, guid, title
    ]
    site.put("/feed", rss(entries))
    add(capsys, site.url("/feed"))
    code, summary, err = sync(capsys)
    assert code == 0, err
    assert summary["added"] == 2
    assert "Titled by its page" in titles()


def test_html_and_malformed_xml_feeds_fail_with_one_line(site: Site, capsys) -> None:
    site.put("/feed", rss(linked(site, range(1, 2))))
    add(capsys, site.url("/feed"))
    site.put("/feed", "<!DOCTYPE html><html><body><p>Moved</p></body></html>", "text/html")
    code, _, err = sync(capsys)
    assert code == 1
    reason = "not a feed (an HTML page; try the site's address with feeds add)"
    assert err == f"reader: {site.url('/feed')}: {reason}\n"
    # Malformed XML: feedparser's tolerant parser takes what it can, no crash.
    site.put(
        "/bad",
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>B</title>"
        b"<item><title>Broken</titl><guid>b1</guid>",
        "application/rss+xml",
    )
    site.put("/worse", b"<<<>>>\x00\xff garbage", "application/rss+xml")
    add(capsys, site.url("/bad"))
    capsys.readouterr()
    with Library.open() as library:
        from reader.library.feeds import add_feed

        add_feed(library, site.url("/worse"))
    code, _summary, err = sync(capsys)
    assert code == 1 and "Traceback" not in err
    lines = err.splitlines()
    assert all(line.startswith("reader: ") for line in lines)
    assert any(line.startswith(f"reader: {site.url('/worse')}: not a feed") for line in lines)


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + ']><rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title>'
    "<link>http://127.0.0.1:9/x</link></item></channel></rss>"
)


def xxe(path: str) -> str:
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{path}">]>'
        '<rss version="2.0"><channel><title>&xxe;</title><item><title>&xxe;</title>'
        "<guid>x1</guid><description>&xxe;</description></item></channel></rss>"
    )


def test_entity_bombs_and_external_entities_are_neither_expanded_nor_read(
    site: Site, capsys, tmp_path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    site.put("/bomb", BILLION_LAUGHS)
    site.put("/xxe", xxe(str(secret)))
    for path in ("/bomb", "/xxe"):
        code, _out, err = add(capsys, site.url(path))
        assert code != 0 and "declares XML entities" in err
    with Library.open() as library:
        from reader.library.feeds import add_feed

        add_feed(library, site.url("/bomb"))
        add_feed(library, site.url("/xxe"))
    code, summary, err = sync(capsys)
    assert code == 1 and summary["added"] == 0
    assert err.count("declares XML entities") == 2
    assert "TOP-SECRET" not in json.dumps(summary) + err and titles() == []


def test_feedparser_itself_does_not_read_external_entities(tmp_path) -> None:
    """Behind our refusal, feedparser does not resolve them either."""
    import io

    import feedparser

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    result = feedparser.parse(io.BytesIO(xxe(str(secret)).encode()))
    assert "TOP-SECRET" not in repr(result)


def test_file_and_javascript_links_are_refused(site: Site, capsys) -> None:
    entries = [
        Entry("f1", "file:///etc/passwd", "Local file", content=content_html(60)),
        Entry("j1", "javascript:alert(1)", "Script"),
        Entry("ok", site.page("/ok", 61, "Fine"), "Fine"),
    ]
    site.put("/feed", rss(entries))
    add(capsys, site.url("/feed"))
    code, _, err = sync(capsys)
    assert code == 1
    assert titles() == ["Fine"]
    assert err.count("link refused") == 2 and "only http and https" in err
    # Refused once: the next sync (the feed unchanged, no validators) does not repeat it.
    code, _summary, err = sync(capsys)
    assert code == 0 and err == ""


def test_a_huge_feed_is_bounded_by_limit_and_the_default_cap(
    site: Site, capsys, monkeypatch
) -> None:
    from reader.feeds import parse as parsing

    items = "".join(
        f"<item><title>Item {n}</title><link>{site.url(f'/h{n}')}</link><guid>h{n}</guid></item>"
        for n in range(100_000)
    )
    document = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>'
        f"{items}</channel></rss>"
    ).encode()
    parsed = parsing.parse(document, site.url("/huge"))
    assert len(parsed.items) == parsing.MAX_ENTRIES and parsed.cut
    for n in range(5):
        site.page(f"/h{n}", 70 + n, f"Huge {n}")
    site.put("/huge", document)
    add(capsys, site.url("/huge"))
    code, summary, err = sync(capsys, "--limit", "2")
    assert code == 0, err
    assert titles() == ["Huge 0", "Huge 1"]
    assert summary["feeds"][0]["left"] == parsing.MAX_ENTRIES - 2
    monkeypatch.setattr("reader.feeds.sync.DEFAULT_LIMIT", 3)
    code, summary, err = sync(capsys)
    assert code == 0, err
    assert titles() == ["Huge 0", "Huge 1", "Huge 2", "Huge 3", "Huge 4"]


def test_endless_redirects_and_slow_feeds_hit_the_fetch_limits(
    site: Site, capsys, monkeypatch
) -> None:
    monkeypatch.setattr("reader.extract.fetch.READ_TIMEOUT", 0.5)
    site.put("/slow", rss(linked(site, range(1, 2))), slow=3.0)
    with Library.open() as library:
        from reader.library.feeds import add_feed

        add_feed(library, site.url("/forever/0"))
        add_feed(library, site.url("/slow"))
    code, _summary, err = sync(capsys)
    assert code == 1
    assert "too many redirects (more than 5)" in err
    assert "read timeout" in err
    assert site.hits["/forever/6"] == 0


def test_fetch_follows_redirects_and_reuses_keep_alive_connections(site: Site) -> None:
    """HTTP/1.1 keep-alive: a redirect's or an error's unread answer must not break the
    next request on a pooled connection (it did: "the connection broke off")."""
    from reader.errors import FetchError
    from reader.extract.fetch import fetch

    site.put("/page", "<html><body><p>Here</p></body></html>", "text/html", etag='"e"')
    site.put("/moved", b"", status=301, location="/page")
    site.put("/error", b"x" * 100_000, "text/html", status=500)
    for _ in range(3):
        assert fetch(site.url("/moved")).url == site.url("/page")
        with pytest.raises(FetchError, match="HTTP 500"):
            fetch(site.url("/error"))
        assert fetch(site.url("/page"), etag='"e"').not_modified
    with pytest.raises(FetchError, match="too many redirects"):
        fetch(site.url("/forever/0"))


def test_a_disappearing_feed_is_kept_and_marked_failing(site: Site, capsys) -> None:
    from reader.library.feeds import FAILING_AFTER

    site.put("/feed", rss(linked(site, range(1, 2))))
    add(capsys, site.url("/feed"))
    del site.routes["/feed"]
    for attempt in range(1, FAILING_AFTER + 1):
        code, summary, err = sync(capsys)
        assert code == 1 and "HTTP 404" in err
        assert ("failing" in err) == (attempt >= FAILING_AFTER)
    capsys.readouterr()
    assert main(["feeds", "list", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["failing"] and listed["failures"] == FAILING_AFTER
    # Back again: failures reset.
    site.put("/feed", rss(linked(site, range(1, 2))))
    code, summary, err = sync(capsys)
    assert code == 0 and summary["added"] == 1
    assert main(["feeds", "list", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert not listed["failing"] and listed["failures"] == 0


def test_a_hostile_reason_phrase_is_printed_and_stored_as_one_safe_line(site: Site, capsys) -> None:
    site.put("/feed", rss(linked(site, range(1, 2))))
    add(capsys, site.url("/feed"))
    site.put("/feed", b"", status=503, reason="Busy \x1b]0;pwned\x07\x1b[2Jnow")
    code, _, err = sync(capsys)
    assert code == 1
    assert err == f"reader: {site.url('/feed')}: HTTP 503 Busy now\n"
    assert main(["feeds", "list", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["last_error"] == "HTTP 503 Busy now"
    site.put("/new", b"", status=500, reason="Oops \x1b[31mred")
    code, _, err = add(capsys, site.url("/new"))
    assert code != 0 and "\x1b" not in err and "HTTP 500 Oops red" in err


def test_list_and_rm(site: Site, capsys) -> None:
    site.put("/feed", rss(linked(site, range(1, 2)), title="Evil\x1b]0;pwned\x07 \u202eTitle"))
    add(capsys, site.url("/feed"))
    sync(capsys)
    assert main(["feeds", "list"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out and "1 item(s), ok" in out
    assert main(["feeds", "rm", "1"]) == 0
    assert main(["feeds", "rm", "1"]) != 0
    out, err = capsys.readouterr()
    assert err == "reader: feed 1: not followed (see `reader feeds list`)\n"
    assert len(titles()) == 1  # its article stays
