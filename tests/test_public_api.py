"""The public API: what ``banshishi`` and its public submodules export, on purpose.

Every exported object names its public module (``banshishi.InvalidValueError``, never
``banshishi._core.errors.InvalidValueError``), so that reprs, tracebacks, pickles and
doctests do not change when a private module moves.
"""

import importlib
import pickle
import traceback
import types
import typing
import warnings

import attrs
import pendulum
import pytest

import banshishi
import banshishi.simulation
import banshishi.store

# Adding or removing an export must be a deliberate edit of these lists.
EXPECTED_EXPORTS = {
    # _core: errors
    "BanshishiError", "BatchRefusedError", "ChainKeyError", "ChronologyError",
    "ConcurrencyError", "DuplicateError", "HierarchyError", "InconsistentRecordError",
    "InvalidCountError", "InvalidTypeError", "InvalidValueError", "LedgerFileError",
    "NaiveDatetimeError", "NotALedgerError", "NotFoundError", "PreconditionError",
    "RoleError", "RowProblem", "StoreBusyError", "StoreError", "TransitionRefusedError",
    "UnknownValueError", "UnknownYearError", "WorkflowError",
    # _core: time
    "DEFAULT_TIMEZONE", "Clock", "FixedClock", "SystemClock", "format_instant",
    "parse_instant",
    # _calendar
    "YearSchedule", "provisional_schedule", "statutory_days", "LimitUnit", "TimeLimit",
    "WorkCalendar", "china_calendar", "WorkingHours",
    # _model
    "Actor", "Person", "Role", "personal_fields", "Location", "Level", "Unit", "UnitTree",
    "Channel", "DismissalReason", "IssueStatus", "PledgeStatus", "Rating", "RequestType",
    "SlaLevel",
    "Subject", "TargetGroup", "Track", "Urgency", "Issue", "Event", "JsonValue", "Rate",
    "Appeal", "AppealGrounds", "AppealOutcome", "Evaluation", "Exclusion", "ExclusionGrounds",
    "ExclusionOutcome", "Feedback", "FeedbackMethod",
    "RaterKind", "Rectification", "RectificationCause", "Visit", "VisitOutcome",
    "Milestone", "milestone_progress", "Pledge", "PledgeListKind", "PledgerKind",
    "ProjectCharter", "PledgeTree", "make_converter", "structure", "unstructure",
    "visit_resolution_rate", "visit_response_rate", "visit_satisfaction_rate",
    "DuplicateCandidate", "MatchReason", "duplicate_candidates", "find_repeat",
    "Dispatch", "IssueView",
    # _metrics
    "Breakdown", "DispatchLine", "IssueSummary", "PledgeSummary", "IssueFigures", "PledgeFigures",
    "issue_figures", "issue_figures_by", "pledge_figures", "Period", "by_level",
    "by_period", "by_unit", "grouped", "period_start", "completion_rate",
    "evaluation_satisfaction_rate", "first_satisfaction_rate", "follow_up_rate",
    "on_time_completion_rate",
    "pledge_completion_rate", "rectification_rate", "redo_rate", "resolution_rate",
    "response_rate", "return_rate", "satisfaction_rate", "Weights", "CompositeScore",
    "THREE_RATES_WEIGHTS", "composite_score", "three_rates_score", "Standing", "rank_units",
    "Grade", "GradeScale", "ThreeReview", "ThreeReviewResult", "THREE_REVIEWS_WEIGHTS",
    "three_review_results", "repeat_rate",
    "RoutedTransfer", "RoutingAccuracy", "routing_accuracy",
    "DispatchLevelFigures", "dispatch_figures", "dispatch_reminder",
    # _workflow
    "Command", "PledgeCommand", "Refusal", "WorkflowPolicy", "IssueWorkflow",
    "PledgeWorkflow", "PledgeArguments", "Ledger", "PledgeLedger", "replay",
    "replay_pledge", "workflow_diagram", "workflow_table", "Restatement",
    "restate_deadlines", "restatement_of", "SweepReport", "SweepRules", "sla_level", "sweep",
    "RoutingRule", "RoutingCatalogue", "RoutingDecision", "read_routing_catalogue",
    "write_routing_catalogue",
    # _exchange
    "write_ledger_file", "read_ledger_file", "write_ledger_csv", "read_ledger_csv",
    "check_ledger_file", "LedgerCheck", "LedgerImport", "export_requests", "dump_requests",
    "load_requests", "read_requests", "write_requests", "import_requests", "Open311Import",
    "RequestProblem", "Open311Status", "OPEN311_STATUSES", "Open311StatusRow",
    "json_schema",
    # _disclosure
    "mask_name", "mask_mobile", "mask_id_number", "mask_address", "scrub_text",
    "mask_person", "withheld", "disclose_issues", "IssueDisclosure", "DisclosedIssue",
    "DisclosedMilestone", "disclose_pledges", "PledgeDisclosure", "DisclosedPledge",
    "disclosure_rows", "disclosure_csv", "disclosure_json", "disclosure_html",
    "write_disclosure",
    # _reports
    "Dashboard", "GROUPINGS", "ReportRow", "report_rows", "ReportingPeriod",
    "PeriodicReport", "PeriodFlow", "OverdueItem", "TrendPoint", "periodic_report",
    "periodic_record", "write_periodic_json", "write_periodic_csv", "periodic_csv_rows",
    "format_points", "periodic_html", "write_periodic_html",
    # _notify
    "Message", "MessageKind", "MessageTemplates", "messages_for",
    # _store: what LedgerStore takes and returns
    "LedgerStore", "ChainReport", "HeadReceipt", "StoredUnitTree", "UnitTreeChange",
    "StoredPolicy", "PolicyChange", "export_events", "import_events", "read_events",
    "__version__",
}  # fmt: skip

EXPECTED_STORE_EXPORTS = {
    "Append", "EventStore", "PolicyAppend", "SqlEventStore", "SqliteEventStore", "StoredEvent",
    "UnitTreeAppend",
}  # fmt: skip

EXPECTED_SIMULATION_EXPORTS = {"Campaign", "simulate_campaign"}

PUBLIC_MODULES = {
    banshishi: EXPECTED_EXPORTS,
    banshishi.store: EXPECTED_STORE_EXPORTS,
    banshishi.simulation: EXPECTED_SIMULATION_EXPORTS,
}

# Exports that cannot carry a __module__ of their own: text, tuples and a type alias
# (a ``types.UnionType``, whose __module__ is its class's, "types").
WITHOUT_A_MODULE = {"DEFAULT_TIMEZONE", "GROUPINGS", "OPEN311_STATUSES", "JsonValue", "__version__"}

# Names the root exported before they moved to a public submodule.
MOVED = {
    "Append": "banshishi.store",
    "EventStore": "banshishi.store",
    "PolicyAppend": "banshishi.store",
    "SqliteEventStore": "banshishi.store",
    "StoredEvent": "banshishi.store",
    "UnitTreeAppend": "banshishi.store",
    "Campaign": "banshishi.simulation",
    "simulate_campaign": "banshishi.simulation",
}

EXPORTS = [
    pytest.param(module, name, id=f"{module.__name__}.{name}")
    for module in PUBLIC_MODULES
    for name in module.__all__
]


def public_names_in_namespace(module: types.ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }


@pytest.mark.parametrize("module", PUBLIC_MODULES, ids=lambda module: module.__name__)
def test_all_matches_the_hard_coded_list_of_exports(module: types.ModuleType) -> None:
    assert set(module.__all__) == PUBLIC_MODULES[module]


def test_the_moved_names_are_exported_by_their_new_module_only() -> None:
    for name, home in MOVED.items():
        assert name in importlib.import_module(home).__all__, name
        assert name not in banshishi.__all__, name
        assert name not in vars(banshishi), name


@pytest.mark.parametrize("module", PUBLIC_MODULES, ids=lambda module: module.__name__)
def test_all_has_no_repeats_and_is_sorted(module: types.ModuleType) -> None:
    assert len(module.__all__) == len(set(module.__all__))
    assert module.__all__ == sorted(module.__all__, key=lambda n: (not n.isupper(), n))


@pytest.mark.parametrize("module", PUBLIC_MODULES, ids=lambda module: module.__name__)
def test_the_namespace_exposes_exactly_the_names_in_all(module: types.ModuleType) -> None:
    assert public_names_in_namespace(module) == set(module.__all__) - {"__version__"}


def test_no_name_is_exported_twice_across_the_public_modules() -> None:
    names = [name for module in PUBLIC_MODULES for name in module.__all__]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(("module", "name"), EXPORTS)
def test_every_name_imports_from_its_public_module(module: types.ModuleType, name: str) -> None:
    namespace: dict[str, object] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exec(f"from {module.__name__} import {name}", namespace)
    assert namespace[name] is getattr(module, name)


@pytest.mark.parametrize(("module", "name"), EXPORTS)
def test_every_exported_object_names_its_public_module(module: types.ModuleType, name: str) -> None:
    value = getattr(module, name)
    if name in WITHOUT_A_MODULE:
        assert getattr(value, "__module__", None) in (None, "types"), name
    else:
        assert value.__module__ == module.__name__


def test_what_a_class_body_defines_names_the_public_module_too() -> None:
    store = banshishi.LedgerStore
    assert store.open.__module__ == "banshishi"  # a classmethod
    assert vars(store)["open"].__func__.__module__ == "banshishi"
    assert banshishi.Issue.__init__.__module__ == "banshishi"  # written by attrs
    assert banshishi.Rate.format.__module__ == "banshishi"
    assert banshishi.store.SqliteEventStore.append.__module__ == "banshishi.store"


def test_objects_defined_elsewhere_keep_their_module() -> None:
    bases = {base.__module__ for base in banshishi.IssueWorkflow.__mro__[1:]}
    assert "statemachine.statemachine" in bases
    assert "banshishi._workflow.machine" in bases  # a private base that is not exported
    assert banshishi.BanshishiError.__mro__[1] is Exception


def test_a_traceback_and_a_repr_show_the_public_name() -> None:
    with pytest.raises(banshishi.InvalidValueError) as caught:
        attrs.evolve(an_issue(), title="")
    shown = "".join(traceback.format_exception_only(caught.type, caught.value))
    assert shown.startswith("banshishi.InvalidValueError: ")
    assert repr(banshishi.Track) == "<enum 'Track'>"
    assert str(banshishi.Issue) == "<class 'banshishi.Issue'>"
    assert str(banshishi.simulation.Campaign) == "<class 'banshishi.simulation.Campaign'>"


def an_issue() -> banshishi.Issue:
    return banshishi.Issue(
        id="2026-00001",
        title="小区路灯不亮",
        channel=banshishi.Channel.HOTLINE,
        urgency=banshishi.Urgency.URGENT,
        received_at=pendulum.datetime(2026, 3, 2, 9, 30, tz="Asia/Shanghai"),
    )


def test_exported_values_pickle_by_their_public_path() -> None:
    values = [
        an_issue(),
        banshishi.Track.IMMEDIATE,
        banshishi.Rate(1, 3),
        banshishi.TimeLimit.working_days(3),
        banshishi.store.Append(record_id="a", events=(), expected_version=0),
    ]
    for value in values:
        dumped = pickle.dumps(value)
        assert b"banshishi._" not in dumped, value
        assert pickle.loads(dumped) == value


def test_the_converter_still_structures_the_published_records() -> None:
    issue = an_issue()
    assert banshishi.structure(banshishi.unstructure(issue), banshishi.Issue) == issue
    unit = banshishi.Unit(id="town", name="一镇", level=banshishi.Level.TOWNSHIP)
    assert banshishi.structure(banshishi.unstructure(unit), banshishi.Unit) == unit


@pytest.mark.parametrize(("module", "name"), EXPORTS)
def test_type_hints_of_every_exported_attrs_class_resolve(
    module: types.ModuleType, name: str
) -> None:
    value = getattr(module, name)
    if isinstance(value, type) and attrs.has(value):
        hints = typing.get_type_hints(value)
        assert set(hints) >= {field.name for field in attrs.fields(value)}


@pytest.mark.parametrize("name", sorted(MOVED))
def test_a_moved_name_still_imports_from_the_root_with_a_warning(name: str) -> None:
    home = importlib.import_module(MOVED[name])
    with pytest.warns(DeprecationWarning, match=rf"banshishi\.{name} has moved to {home.__name__}"):
        value = getattr(banshishi, name)
    assert value is getattr(home, name)
    namespace: dict[str, object] = {}
    with pytest.warns(DeprecationWarning, match=home.__name__):
        exec(f"from banshishi import {name}", namespace)
    assert namespace[name] is value


def test_an_unknown_name_is_an_attribute_error_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not hasattr(banshishi, "no_such_name")
        with pytest.raises(AttributeError, match="no_such_name"):
            _ = banshishi.no_such_name  # type: ignore[attr-defined]


def test_the_public_submodules_are_attributes_of_the_package() -> None:
    assert banshishi.store is importlib.import_module("banshishi.store")
    assert banshishi.simulation is importlib.import_module("banshishi.simulation")


def test_the_version_is_a_non_empty_string() -> None:
    assert isinstance(banshishi.__version__, str)
    assert banshishi.__version__.strip()
