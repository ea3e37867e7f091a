"""``Issue.confidential_as_of`` reads the flag at a moment off the history, as a
rebuild up to that moment has it; ``flagged_since`` and ``flagged_as_of`` set it on
an issue confidential then or now, never clearing one."""

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from banshishi import Issue, Ledger, replay
from banshishi._model.confidential import flagged_as_of, flagged_since
from cast import CLERK_C1, DISPATCHER_D1, T0, new_issue

# Hours after T0 of each step on the issue, and whether it was marked at intake.
steps = st.tuples(st.booleans(), st.lists(st.integers(1, 40), max_size=6, unique=True).map(sorted))


def toggled(at_intake: bool, hours: list[int]) -> Issue:
    """An issue marked or not at intake, whose flag each step of ``hours`` turns over."""
    ledger = Ledger()
    ledger.receive(new_issue("i", confidential=at_intake), actor=CLERK_C1)
    flag = at_intake
    for hour in hours:
        step = "unmark_confidential" if flag else "mark_confidential"
        ledger.apply("i", step, actor=DISPATCHER_D1, at=T0.add(hours=hour), note="核实")
        flag = not flag
    return ledger.issue("i")


@settings(max_examples=40)
@given(steps, st.integers(0, 42))
def test_the_flag_at_a_moment_is_the_flag_of_the_issue_rebuilt_up_to_it(given_steps, hour) -> None:
    issue = toggled(*given_steps)
    moment = T0.add(hours=hour, minutes=30)
    then = replay([event for event in issue.history if event.at <= moment])
    assert issue.confidential_as_of(moment) is then.confidential
    assert issue.confidential_as_of() is issue.confidential
    later = [event for event in issue.history if event.at > moment]
    either = then.confidential or issue.confidential
    assert flagged_since(then, later).confidential is either
    assert flagged_as_of(issue, moment).confidential is either


def test_an_issue_flagged_for_an_export_is_otherwise_unchanged() -> None:
    issue = toggled(False, [2, 10])  # marked at T0+2h, unmarked at T0+10h
    moment = T0.add(hours=5)
    flagged = flagged_as_of(issue, moment)
    assert (flagged.confidential, issue.confidential) == (True, False)
    assert attrs.evolve(flagged, confidential=False) == issue
    assert flagged_as_of(issue, T0.add(hours=1)) is issue
    assert flagged_since(issue, ()) is issue
