"""The public API: ``banshishi.__all__`` is exactly what the package exposes, on purpose."""

import types

import banshishi

# Adding or removing an export must be a deliberate edit of this list.
EXPECTED_EXPORTS = {
    "Dashboard",
    "GROUPINGS",
    "ReportRow",
    "report_rows",
    "Campaign",
    "simulate_campaign",
    "export_events",
    "import_events",
    "read_events",
    "StoreError",
    "NotALedgerError",
    "ConcurrencyError",
    "BatchRefusedError",
    "StoreBusyError",
    "Append",
    "ChainReport",
    "EventStore",
    "StoredEvent",
    "IssueFigures",
    "PledgeFigures",
    "issue_figures",
    "issue_figures_by",
    "pledge_figures",
    "LedgerStore",
    "SqliteEventStore",
    "IssueSummary",
    "PledgeSummary",
    "Appeal",
    "AppealGrounds",
    "AppealOutcome",
    "Visit",
    "VisitOutcome",
    "Rectification",
    "RectificationCause",
    "ProjectCharter",
    "PledgeCommand",
    "PledgeLedger",
    "PledgeTree",
    "PledgeWorkflow",
    "PledgeArguments",
    "replay_pledge",
    "Subject",
    "follow_up_rate",
    "rectification_rate",
    "Weights",
    "CompositeScore",
    "THREE_RATES_WEIGHTS",
    "composite_score",
    "three_rates_score",
    "Standing",
    "rank_units",
    "Grade",
    "GradeScale",
    "ThreeReview",
    "ThreeReviewResult",
    "THREE_REVIEWS_WEIGHTS",
    "three_review_results",
    "UnknownYearError",
    "sla_level",
    "sweep",
    "SweepReport",
    "SweepRules",
    "SlaLevel",
    "WorkingHours",
    "LimitUnit",
    "TimeLimit",
    "YearSchedule",
    "china_calendar",
    "WorkCalendar",
    "DEFAULT_TIMEZONE",
    "Actor",
    "BanshishiError",
    "Breakdown",
    "Channel",
    "ChronologyError",
    "Clock",
    "Command",
    "DismissalReason",
    "DuplicateError",
    "Evaluation",
    "Event",
    "Feedback",
    "FeedbackMethod",
    "FixedClock",
    "HierarchyError",
    "InconsistentRecordError",
    "InvalidCountError",
    "InvalidTypeError",
    "InvalidValueError",
    "Issue",
    "IssueStatus",
    "IssueWorkflow",
    "Ledger",
    "Level",
    "Location",
    "Milestone",
    "NaiveDatetimeError",
    "NotFoundError",
    "Period",
    "Person",
    "Pledge",
    "PledgeListKind",
    "PledgeStatus",
    "PledgerKind",
    "PreconditionError",
    "Rate",
    "RaterKind",
    "Rating",
    "Refusal",
    "Role",
    "RoleError",
    "SystemClock",
    "TargetGroup",
    "Track",
    "TransitionRefusedError",
    "Unit",
    "UnitTree",
    "UnknownValueError",
    "Urgency",
    "WorkflowError",
    "WorkflowPolicy",
    "__version__",
    "by_level",
    "by_period",
    "by_unit",
    "completion_rate",
    "evaluation_satisfaction_rate",
    "format_instant",
    "grouped",
    "make_converter",
    "milestone_progress",
    "on_time_completion_rate",
    "parse_instant",
    "period_start",
    "personal_fields",
    "pledge_completion_rate",
    "redo_rate",
    "replay",
    "resolution_rate",
    "response_rate",
    "return_rate",
    "satisfaction_rate",
    "structure",
    "unstructure",
    "workflow_diagram",
    "workflow_table",
}


def public_names_in_namespace():
    return {
        name
        for name, value in vars(banshishi).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }


def test_all_matches_the_hard_coded_list_of_exports():
    assert set(banshishi.__all__) == EXPECTED_EXPORTS


def test_all_has_no_repeats_and_is_sorted():
    assert len(banshishi.__all__) == len(set(banshishi.__all__))
    assert banshishi.__all__ == sorted(banshishi.__all__, key=lambda n: (not n.isupper(), n))


def test_every_name_in_all_resolves():
    for name in banshishi.__all__:
        assert hasattr(banshishi, name), name


def test_the_namespace_exposes_exactly_the_names_in_all():
    assert public_names_in_namespace() | {"__version__"} == set(banshishi.__all__)


def test_the_version_is_a_non_empty_string():
    assert isinstance(banshishi.__version__, str)
    assert banshishi.__version__.strip()


def test_every_exported_class_and_function_lives_in_the_package():
    for name in banshishi.__all__:
        value = getattr(banshishi, name)
        if isinstance(value, type | types.FunctionType):
            assert value.__module__.startswith("banshishi."), name
