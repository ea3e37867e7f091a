"""A store keeps a routed transfer's rule, track and counted limit in its event,
rebuilds the same issue when reopened, exports the rule with the event, and
counts routing accuracy over its issues."""

import io
from pathlib import Path

from banshishi import (
    LedgerStore,
    Rate,
    RoutingCatalogue,
    RoutingRule,
    TimeLimit,
    Track,
    export_events,
    read_events,
    routing_accuracy,
)
from cast import CLERK_C1, DISPATCHER_D1, T0, handler, new_issue

CATALOGUE = RoutingCatalogue(
    [
        RoutingRule(
            category="0301",
            unit="roads",
            co_units=("water",),
            track=Track.JOINT,
            time_limit="3个工作日",
        ),
        RoutingRule(unit="water", id="catch-all"),
    ]
)


def test_a_routed_transfer_round_trips_through_the_store(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    at = T0.add(minutes=30)
    with LedgerStore.open(path, create=True) as store:
        for issue_id, category in (("a", "030101"), ("b", "0902")):
            issue = new_issue(issue_id, category=category, received_by="centre")
            store.receive(issue, actor=CLERK_C1)
            decision = CATALOGUE.route(issue)
            assert decision is not None
            arguments = decision.transfer_arguments()
            store.apply(issue_id, "transfer", actor=DISPATCHER_D1, at=at, **arguments)
        store.apply(
            "a", "send_back", actor=handler("roads"), at=at.add(hours=1), note="非本单位职责"
        )
        kept = [store.issue("a"), store.issue("b")]
    assert kept[0].history[1].data["routing_rule"] == "0301/*"
    assert kept[0].track is Track.JOINT
    with LedgerStore.open(path) as store:
        assert [store.issue("a"), store.issue("b")] == kept
        accuracy = routing_accuracy(list(store.issues()))
        exported = io.StringIO()
        export_events(store, exported)
    assert accuracy.by_rule == {"0301/*": Rate(0, 1), "catch-all": Rate(1, 1)}
    assert accuracy.by_unit == {"roads": Rate(0, 1), "water": Rate(1, 1)}
    exported.seek(0)
    transfers = [
        event for _, events in read_events(exported) for event in events if event.name == "transfer"
    ]
    assert [event.data["routing_rule"] for event in transfers] == ["0301/*", "catch-all"]
    assert TimeLimit.parse(str(transfers[0].data["limit"])) == TimeLimit.working_days(3)


def test_a_confidential_issues_export_keeps_its_routing_rule(tmp_path: Path) -> None:
    with LedgerStore.open(tmp_path / "ledger.db", create=True) as store:
        issue = new_issue("s", category="0301", confidential=True, received_by="centre")
        store.receive(issue, actor=CLERK_C1)
        decision = CATALOGUE.route(issue)
        assert decision is not None
        arguments = decision.transfer_arguments()
        store.apply("s", "transfer", actor=DISPATCHER_D1, at=T0.add(hours=1), **arguments)
        masked = io.StringIO()
        export_events(store, masked)
    assert '""routing_rule"":""0301/*""' in masked.getvalue()
    assert "路灯不亮" not in masked.getvalue()  # the title is withheld
