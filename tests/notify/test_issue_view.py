"""A step's messages read off an issue's view (``Ledger.view``: its row read in
place, no :class:`Issue` built) are the messages read off the issue itself,
after every step of generated histories; and the view is the issue's fields as
they stand."""

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

from banshishi import IssueView, Ledger, NotFoundError, messages_for
from banshishi.testing.strategies import IssueHistory, issue_histories


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(issue_histories(max_steps=16))
def test_the_messages_read_off_a_view_are_those_of_the_issue(history: IssueHistory) -> None:
    ledger = Ledger(policy=history.policy)
    issue_id = history.issue.id
    ledger.receive(history.issue, actor=history.receiver)
    steps = [None, *history.steps]
    for version, step in enumerate(steps, start=1):
        if step is not None:
            ledger.apply(issue_id, step.event, actor=step.actor, at=step.at, note=step.note,
                         **step.args)  # fmt: skip
        event = ledger.history(issue_id)[-1]
        issue, view = ledger.issue(issue_id), ledger.view(issue_id)  # the row read in place
        assert view == IssueView.of(issue)
        owed = messages_for(event, issue, version=version, policy=history.policy)
        assert messages_for(event, view, version=version, policy=history.policy) == owed
    assert {field.name for field in attrs.fields(IssueView)} <= {
        field.name for field in attrs.fields(type(issue))
    }


def test_a_view_of_an_issue_not_on_the_ledger_is_refused_naming_it() -> None:
    with pytest.raises(NotFoundError) as caught:
        Ledger().view("nowhere")
    assert caught.value.value == "nowhere"
