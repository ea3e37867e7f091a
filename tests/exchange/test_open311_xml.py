"""GeoReport v2 XML: read with the same checks as JSON, safely, and written back."""

import re
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import given

import banshishi._exchange.open311_xml as open311_xml
from banshishi import (
    BanshishiError,
    DuplicateError,
    InvalidTypeError,
    InvalidValueError,
    Issue,
    UnknownValueError,
    dump_requests,
    export_requests,
    import_requests,
    load_requests,
    read_requests,
    write_requests,
)
from strategies import issues

LATER = pendulum.datetime(2040, 1, 1, tz="UTC")
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

REQUEST = """<?xml version="1.0" encoding="UTF-8"?>
<service_requests>
  <request>
    <service_request_id>RX-1</service_request_id>
    <status>{status}</status>
    <status_notes>已修复 &amp; 回复</status_notes>
    <service_name>路灯</service_name>
    <description/>
    <requested_datetime>2026-09-01T10:15:00+08:00</requested_datetime>
    <updated_datetime>2026-09-02T10:15:00+08:00</updated_datetime>
    <address>幸福路1号</address>
    <lat>40.84</lat>
    <long>111.74</long>
  </request>
</service_requests>
"""


def xml(status: str = "closed") -> str:
    return REQUEST.format(status=status)


def test_xml_requests_import_as_the_same_issues_as_their_json() -> None:
    requests = load_requests(xml())
    assert requests[0]["status_notes"] == "已修复 & 回复"
    assert requests[0]["description"] == ""  # an empty element, taken as absent
    from_xml = import_requests(xml(), urgency="urgent", division_code="150102")
    as_json = dump_requests(requests)
    assert from_xml == import_requests(as_json, urgency="urgent", division_code="150102")
    [issue] = from_xml
    assert (issue.title, issue.feedback[0].content) == ("路灯", "已修复 & 回复")


def test_xml_gets_the_same_checks_as_json() -> None:
    with pytest.raises(UnknownValueError) as refused:
        import_requests(xml("pending"), urgency="urgent", division_code="150102")
    assert (refused.value.field, refused.value.value) == ("requests[0].status", "pending")
    twice = xml().replace("</service_requests>", xml().split("<service_requests>")[1])
    with pytest.raises(DuplicateError) as repeated:
        import_requests(twice, urgency="urgent", division_code="150102")
    assert repeated.value.field == "requests[1].service_request_id"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (  # billion laughs: entities declared in a DTD
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            "<service_requests>&b;</service_requests>",
            "document type declaration",
        ),
        (  # an external entity
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            "<service_requests><request><description>&x;</description></request>"
            "</service_requests>",
            "document type declaration",
        ),
        (
            '<!DOCTYPE service_requests SYSTEM "http://example.com/x.dtd"><service_requests/>',
            "document type declaration",
        ),
        ("<service_requests>&x;</service_requests>", "undefined entity"),
        ("<service_requests><request>", "not well-formed"),
        ("<services><service/></services>", "root element is 'services'"),
        ("<service_requests><service/></service_requests>", "not a 'request'"),
        (
            "<service_requests><request><status>open</status><status>closed</status>"
            "</request></service_requests>",
            "holds twice",
        ),
        (
            "<service_requests><request>note<status>open</status></request></service_requests>",
            "mixes text",
        ),
        ("<a>" * 70 + "</a>" * 70, "nests deeper"),
    ],
)
def test_dangerous_or_malformed_xml_is_refused_with_a_library_error(text: str, said: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        load_requests(text)
    assert said in str(refused.value)


def test_xml_longer_than_the_limit_is_refused_before_it_is_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(open311_xml, "MAX_FEED_SIZE", 100)
    monkeypatch.setattr("banshishi._exchange.open311.MAX_FEED_SIZE", 100)
    with pytest.raises(InvalidValueError, match="longer than 100"):
        load_requests(xml())
    path = tmp_path / "big.xml"
    path.write_text(xml(), encoding="utf-8")
    with pytest.raises(InvalidValueError, match="longer than 100") as refused:
        read_requests(path)
    assert refused.value.field == "path"


def test_a_file_is_read_by_its_suffix_and_otherwise_by_its_content(tmp_path: Path) -> None:
    requests = load_requests(xml())
    for name in ("requests.xml", "requests.json", "requests", "requests.txt"):
        write_requests(tmp_path / name, requests)
    assert (tmp_path / "requests.xml").read_text(encoding="utf-8").startswith("<?xml")
    assert (tmp_path / "requests.json").read_text(encoding="utf-8").startswith("[")
    for name in ("requests.xml", "requests.json", "requests", "requests.txt"):
        assert read_requests(tmp_path / name) == requests
    # A suffix is believed: XML in a .json file is not JSON.
    (tmp_path / "wrong.json").write_text(xml(), encoding="utf-8")
    with pytest.raises(InvalidValueError, match="not valid JSON"):
        read_requests(tmp_path / "wrong.json")
    assert read_requests(tmp_path / "wrong.json", format="xml") == requests


def test_an_xml_file_is_decoded_as_its_declaration_says(tmp_path: Path) -> None:
    path = tmp_path / "latin.xml"
    text = xml().replace("UTF-8", "ISO-8859-1").replace("路灯", "Straßenlaterne")
    text = text.replace("已修复 &amp; 回复", "Erledigt").replace("幸福路1号", "Köln")
    path.write_bytes(text.encode("iso-8859-1"))
    [request] = read_requests(path)
    assert (request["service_name"], request["address"]) == ("Straßenlaterne", "Köln")


@given(issue=issues())
def test_an_xml_export_reads_back_as_the_json_export_does(issue: Issue) -> None:
    requests = export_requests([issue], at=LATER, extended=True)
    options: dict[str, Any] = {"urgency": "urgent", "division_code_from_address_id": True}
    texts = [value for value in requests[0].values() if isinstance(value, str)]
    if any(NOT_XML.search(text) for text in texts):
        with pytest.raises(InvalidValueError, match=r"XML 1\.0 does not allow"):
            dump_requests(requests, format="xml")
        return
    from_xml = import_requests(dump_requests(requests, format="xml"), **options)
    assert from_xml == import_requests(dump_requests(requests), **options)


def test_a_carriage_return_survives_xml() -> None:
    [request] = load_requests(dump_requests([{"description": "a\r\nb\rc"}], format="xml"))
    assert request["description"] == "a\r\nb\rc"


@pytest.mark.parametrize(
    ("request_", "error", "field"),
    [
        ({"lat": [1]}, InvalidTypeError, "requests[0].lat"),
        ({"lat": float("nan")}, InvalidValueError, "requests[0].lat"),
        ({"flag": True}, InvalidTypeError, "requests[0].flag"),
        ({"bad name": "x"}, InvalidValueError, "requests[0].bad name"),
        ({"description": "bell\x07"}, InvalidValueError, "requests[0].description"),
    ],
)
def test_what_xml_cannot_hold_is_refused_naming_it(
    request_: dict[str, Any], error: type[BanshishiError], field: str
) -> None:
    with pytest.raises(error) as refused:
        dump_requests([request_], format="xml")
    assert refused.value.field == field


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(InvalidValueError) as refused:
        dump_requests([], format="yaml")  # type: ignore[arg-type]
    assert refused.value.field == "format"


def _cli(*args: str | Path) -> int:
    from banshishi._cli.main import main

    try:
        return int(main([str(arg) for arg in args]) or 0)
    except SystemExit as exit_:
        return int(exit_.code or 0)


def test_the_command_line_exports_xml_and_checks_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "ledger.db"
    assert _cli("demo", "--db", db, "--issues", "20") == 0
    assert _cli("open311", "export", "--db", db, "--extended", "-o", tmp_path / "out.xml") == 0
    assert _cli("open311", "export", "--db", db, "--extended", "-o", tmp_path / "out.json") == 0
    capsys.readouterr()
    assert _cli("open311", "export", "--db", db, "--extended", "--format", "xml") == 0
    written = (tmp_path / "out.xml").read_text(encoding="utf-8")
    assert capsys.readouterr().out == written
    assert written.startswith("<?xml")
    as_xml = read_requests(tmp_path / "out.xml")
    as_json = read_requests(tmp_path / "out.json")
    assert len(as_xml) == len(as_json) >= 20
    options: dict[str, Any] = {"urgency": "urgent", "division_code_from_address_id": True}
    assert import_requests(as_xml, **options) == import_requests(as_json, **options)
    code = _cli("open311", "check", tmp_path / "out.xml", "--urgency", "urgent",
                "--division-code", "150102")  # fmt: skip
    assert code == 0
    assert f"{len(as_xml)} requests, all readable" in capsys.readouterr().out
