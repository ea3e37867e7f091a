"""banshishi (办实事): typed building blocks for 我为群众办实事 service systems.

Collect citizens' issues, transfer them to responsible units, handle them on four
tracks, answer the people who raised them, let them rate the result, and report
completion and satisfaction rates that match the published figures.

Everything a system builder uses daily is importable from here. Two public
submodules hold the rest: :mod:`banshishi.store` the backend side of the ledger
store, :mod:`banshishi.simulation` the demo campaign (loaded only when imported).
The ``_``-prefixed wings are implementation detail: every object exported here
says ``banshishi`` is its module.
"""

import typing

# The exports, grouped by wing from the bottom up, each group naming its page in docs/.
# isort: off
# _core: the errors, one tree under BanshishiError (docs/getting-started.md)
from ._core.errors import BanshishiError as BanshishiError, BatchRefusedError as BatchRefusedError
from ._core.errors import ChainKeyError as ChainKeyError, ChronologyError as ChronologyError
from ._core.errors import ConcurrencyError as ConcurrencyError, DuplicateError as DuplicateError
from ._core.errors import HierarchyError as HierarchyError
from ._core.errors import InconsistentRecordError as InconsistentRecordError
from ._core.errors import InvalidCountError as InvalidCountError
from ._core.errors import InvalidTypeError as InvalidTypeError
from ._core.errors import InvalidValueError as InvalidValueError, LedgerFileError as LedgerFileError
from ._core.errors import NaiveDatetimeError as NaiveDatetimeError
from ._core.errors import NotALedgerError as NotALedgerError, NotFoundError as NotFoundError
from ._core.errors import PreconditionError as PreconditionError, RoleError as RoleError
from ._core.errors import RowProblem as RowProblem, StoreBusyError as StoreBusyError
from ._core.errors import StoreError as StoreError, TransitionRefusedError as TransitionRefusedError
from ._core.errors import UnknownValueError as UnknownValueError
from ._core.errors import UnknownYearError as UnknownYearError, WorkflowError as WorkflowError

# _core: instants and clocks (docs/workflow.md)
from ._core.time import DEFAULT_TIMEZONE as DEFAULT_TIMEZONE
from ._core.time import Clock as Clock
from ._core.time import FixedClock as FixedClock
from ._core.time import SystemClock as SystemClock
from ._core.time import format_instant as format_instant
from ._core.time import parse_instant as parse_instant

# _calendar: working days, office hours and time limits (docs/deadlines.md)
from ._calendar.schedule import YearSchedule as YearSchedule
from ._calendar.statutory import provisional_schedule as provisional_schedule
from ._calendar.statutory import statutory_days as statutory_days
from ._calendar.time_limit import LimitUnit as LimitUnit
from ._calendar.time_limit import TimeLimit as TimeLimit
from ._calendar.work_calendar import WorkCalendar as WorkCalendar
from ._calendar.work_calendar import china_calendar as china_calendar
from ._calendar.working_hours import WorkingHours as WorkingHours

# _model: units, people, issues, events and their vocabulary (docs/getting-started.md)
from ._model.event import Event as Event
from ._model.event import JsonValue as JsonValue
from ._model.issue_view import IssueView as IssueView
from ._model.issue import Issue as Issue
from ._model.dispatch import Dispatch as Dispatch
from ._model.location import Location as Location
from ._model.duplicates import DuplicateCandidate as DuplicateCandidate, MatchReason as MatchReason
from ._model.duplicates import duplicate_candidates as duplicate_candidates
from ._model.duplicates import find_repeat as find_repeat
from ._model.people import Actor as Actor
from ._model.people import Person as Person
from ._model.people import Role as Role
from ._model.people import personal_fields as personal_fields
from ._model.rate import Rate as Rate
from ._model.routed_transfer import RoutedTransfer as RoutedTransfer
from ._model.units import Level as Level
from ._model.units import Unit as Unit
from ._model.units import UnitTree as UnitTree
from ._model.vocabulary import Channel as Channel
from ._model.vocabulary import DismissalReason as DismissalReason
from ._model.vocabulary import IssueStatus as IssueStatus
from ._model.vocabulary import PledgeStatus as PledgeStatus
from ._model.vocabulary import Rating as Rating
from ._model.vocabulary import RequestType as RequestType
from ._model.confidential import withheld as withheld
from ._model.vocabulary import SlaLevel as SlaLevel
from ._model.vocabulary import Subject as Subject
from ._model.vocabulary import TargetGroup as TargetGroup
from ._model.vocabulary import Track as Track
from ._model.vocabulary import Urgency as Urgency

# _model: ratings, rectifications, appeals, visits and exclusions (docs/evaluations.md)
from ._model.evaluation import Appeal as Appeal
from ._model.evaluation import AppealGrounds as AppealGrounds
from ._model.evaluation import AppealOutcome as AppealOutcome
from ._model.evaluation import Evaluation as Evaluation
from ._model.evaluation import Feedback as Feedback
from ._model.evaluation import FeedbackMethod as FeedbackMethod
from ._model.evaluation import RaterKind as RaterKind
from ._model.evaluation import Rectification as Rectification
from ._model.evaluation import RectificationCause as RectificationCause
from ._model.evaluation import Visit as Visit
from ._model.evaluation import VisitOutcome as VisitOutcome
from ._model.assessment import Exclusion as Exclusion
from ._model.assessment import ExclusionGrounds as ExclusionGrounds
from ._model.assessment import ExclusionOutcome as ExclusionOutcome

# _model: pledges, milestones, projects (docs/pledges.md); lossless JSON (docs/getting-started.md)
from ._model.milestone import Milestone as Milestone
from ._model.milestone import milestone_progress as milestone_progress

# _model: pledges, their milestones and projects (docs/pledges.md)
from ._model.pledge import Pledge as Pledge
from ._model.pledge import PledgeListKind as PledgeListKind
from ._model.pledge import PledgerKind as PledgerKind
from ._model.pledge import ProjectCharter as ProjectCharter
from ._model.pledge_tree import PledgeTree as PledgeTree
from ._model.converter import make_converter as make_converter
from ._model.converter import structure as structure
from ._model.converter import unstructure as unstructure

# _metrics: rates, summary lines, figures and grouping (docs/metrics.md)
from ._metrics.breakdown import Breakdown as Breakdown
from ._metrics.figures import IssueFigures as IssueFigures
from ._metrics.figures import PledgeFigures as PledgeFigures
from ._metrics.figures import issue_figures as issue_figures
from ._metrics.figures import issue_figures_by as issue_figures_by
from ._metrics.figures import pledge_figures as pledge_figures
from ._metrics.grouping import Period as Period
from ._metrics.grouping import by_level as by_level
from ._metrics.grouping import by_period as by_period
from ._metrics.grouping import by_unit as by_unit
from ._metrics.grouping import grouped as grouped
from ._metrics.grouping import period_start as period_start
from ._metrics.rates import completion_rate as completion_rate
from ._metrics.rates import evaluation_satisfaction_rate as evaluation_satisfaction_rate
from ._metrics.rates import first_satisfaction_rate as first_satisfaction_rate
from ._metrics.rates import visit_resolution_rate as visit_resolution_rate
from ._metrics.rates import visit_response_rate as visit_response_rate
from ._metrics.rates import visit_satisfaction_rate as visit_satisfaction_rate
from ._metrics.rates import follow_up_rate as follow_up_rate
from ._metrics.rates import on_time_completion_rate as on_time_completion_rate
from ._metrics.rates import pledge_completion_rate as pledge_completion_rate
from ._metrics.rates import rectification_rate as rectification_rate
from ._metrics.rates import redo_rate as redo_rate
from ._metrics.rates import resolution_rate as resolution_rate
from ._metrics.rates import response_rate as response_rate
from ._metrics.rates import return_rate as return_rate
from ._metrics.rates import satisfaction_rate as satisfaction_rate
from ._metrics.repeats import repeat_rate as repeat_rate
from ._metrics.routing_accuracy import RoutingAccuracy as RoutingAccuracy
from ._metrics.routing_accuracy import routing_accuracy as routing_accuracy
from ._metrics.summary import DispatchLine as DispatchLine, IssueSummary as IssueSummary
from ._metrics.summary import PledgeSummary as PledgeSummary
from ._metrics.dispatch_levels import DispatchLevelFigures as DispatchLevelFigures
from ._metrics.dispatch_levels import dispatch_figures as dispatch_figures

# _metrics: weights, composite scores, rankings and 三评 (docs/scores.md)
from ._metrics.composite import THREE_RATES_WEIGHTS as THREE_RATES_WEIGHTS
from ._metrics.composite import CompositeScore as CompositeScore
from ._metrics.composite import composite_score as composite_score
from ._metrics.composite import three_rates_score as three_rates_score
from ._metrics.ranking import Standing as Standing
from ._metrics.ranking import rank_units as rank_units
from ._metrics.three_reviews import THREE_REVIEWS_WEIGHTS as THREE_REVIEWS_WEIGHTS
from ._metrics.three_reviews import Grade as Grade
from ._metrics.three_reviews import GradeScale as GradeScale
from ._metrics.three_reviews import ThreeReview as ThreeReview
from ._metrics.three_reviews import ThreeReviewResult as ThreeReviewResult
from ._metrics.three_reviews import three_review_results as three_review_results
from ._metrics.weights import Weights as Weights

# _workflow: commands, the two workflows and their ledgers (docs/workflow.md)
from ._workflow.command import Command as Command
from ._workflow.command import PledgeCommand as PledgeCommand
from ._workflow.command import Refusal as Refusal
from ._workflow.diagram import workflow_diagram as workflow_diagram
from ._workflow.diagram import workflow_table as workflow_table
from ._workflow.issue_workflow import IssueWorkflow as IssueWorkflow
from ._workflow.ledger import Ledger as Ledger
from ._workflow.pledge_ledger import PledgeLedger as PledgeLedger
from ._workflow.pledge_arguments import PledgeArguments as PledgeArguments
from ._workflow.pledge_workflow import PledgeWorkflow as PledgeWorkflow
from ._workflow.policy import WorkflowPolicy as WorkflowPolicy
from ._workflow.replay import replay as replay
from ._workflow.replay import replay_pledge as replay_pledge

# _workflow: restated deadlines, the SLA sweep (docs/deadlines.md) and routing (docs/routing.md)
from ._workflow.restatement import Restatement as Restatement
from ._workflow.restatement import restate_deadlines as restate_deadlines
from ._workflow.restatement import restatement_of as restatement_of
from ._workflow.routing import RoutingCatalogue as RoutingCatalogue
from ._workflow.routing import RoutingDecision as RoutingDecision
from ._workflow.routing import RoutingRule as RoutingRule
from ._exchange.routing_files import read_routing_catalogue as read_routing_catalogue
from ._exchange.routing_files import write_routing_catalogue as write_routing_catalogue
from ._workflow.sweep import SweepReport as SweepReport
from ._workflow.sweep import SweepRules as SweepRules
from ._workflow.sweep import sla_level as sla_level
from ._workflow.sweep import sweep as sweep

# _exchange: ledger files as CSV and XLSX (docs/ledger-files.md)
from ._exchange.ledger_check import LedgerCheck as LedgerCheck
from ._exchange.ledger_check import check_ledger_file as check_ledger_file
from ._exchange.ledger_file import read_ledger_csv as read_ledger_csv
from ._exchange.ledger_file import read_ledger_file as read_ledger_file
from ._exchange.ledger_file import write_ledger_csv as write_ledger_csv
from ._exchange.ledger_file import write_ledger_file as write_ledger_file
from ._exchange.ledger_import import LedgerImport as LedgerImport

# _exchange: Open311 service requests (docs/open311.md), JSON Schema (docs/json-schema.md)
from ._exchange.open311 import dump_requests as dump_requests
from ._exchange.open311 import export_requests as export_requests
from ._exchange.open311 import load_requests as load_requests
from ._exchange.open311 import read_requests as read_requests
from ._exchange.open311 import write_requests as write_requests
from ._exchange.open311_import import import_requests as import_requests
from ._exchange.open311_result import Open311Import as Open311Import
from ._exchange.open311_result import RequestProblem as RequestProblem
from ._exchange.open311_status import OPEN311_STATUSES as OPEN311_STATUSES
from ._exchange.open311_status import Open311Status as Open311Status
from ._exchange.open311_status import Open311StatusRow as Open311StatusRow
from ._exchange.json_schema import json_schema as json_schema

# _disclosure: masking and the public lists (docs/disclosure.md)
from ._disclosure.issues import DisclosedIssue as DisclosedIssue
from ._disclosure.issues import DisclosedMilestone as DisclosedMilestone
from ._disclosure.issues import DisclosedPledge as DisclosedPledge
from ._disclosure.issues import IssueDisclosure as IssueDisclosure
from ._disclosure.issues import PledgeDisclosure as PledgeDisclosure
from ._disclosure.issues import disclose_issues as disclose_issues
from ._disclosure.masking import mask_address as mask_address
from ._disclosure.masking import mask_id_number as mask_id_number
from ._disclosure.masking import mask_mobile as mask_mobile
from ._disclosure.masking import mask_name as mask_name
from ._disclosure.masking import mask_person as mask_person
from ._disclosure.masking import scrub_text as scrub_text
from ._disclosure.output import disclosure_csv as disclosure_csv
from ._disclosure.output import disclosure_html as disclosure_html
from ._disclosure.output import disclosure_json as disclosure_json
from ._disclosure.output import disclosure_rows as disclosure_rows
from ._disclosure.output import write_disclosure as write_disclosure
from ._disclosure.pledges import disclose_pledges as disclose_pledges

# _reports: dashboards and periodic reports (docs/reports.md)
from ._reports.period import ReportingPeriod as ReportingPeriod
from ._reports.periodic_output import format_points as format_points
from ._reports.periodic_output import periodic_csv_rows as periodic_csv_rows
from ._reports.periodic_output import periodic_record as periodic_record
from ._reports.periodic_output import write_periodic_csv as write_periodic_csv
from ._reports.periodic_output import write_periodic_json as write_periodic_json
from ._reports.periodic_report import OverdueItem as OverdueItem
from ._reports.periodic_report import PeriodFlow as PeriodFlow
from ._reports.periodic_report import PeriodicReport as PeriodicReport
from ._reports.periodic_report import TrendPoint as TrendPoint
from ._reports.periodic_report import periodic_report as periodic_report
from ._reports.report import GROUPINGS as GROUPINGS
from ._reports.report import Dashboard as Dashboard
from ._reports.report import ReportRow as ReportRow
from ._reports.report import report_rows as report_rows
from ._reports.report_html import periodic_html as periodic_html
from ._reports.report_html import write_periodic_html as write_periodic_html

# _store: the ledger store, its hash chain and its exports (docs/store.md)
from ._store.chain_key import HeadReceipt as HeadReceipt
from ._store.event_csv import export_events as export_events
from ._store.event_csv import import_events as import_events
from ._store.event_csv import read_events as read_events
from ._store.event_store import ChainReport as ChainReport
from ._store.ledger_store import LedgerStore as LedgerStore
from ._store.policy_history import PolicyChange as PolicyChange
from ._store.policy_history import StoredPolicy as StoredPolicy
from ._store.unit_history import StoredUnitTree as StoredUnitTree
from ._store.unit_history import UnitTreeChange as UnitTreeChange

# _notify: the messages each step owes, for the host to deliver (docs/notifications.md)
from ._notify.message import Message as Message, MessageKind as MessageKind
from ._notify.owed import dispatch_reminder as dispatch_reminder, messages_for as messages_for
from ._notify.templates import MessageTemplates as MessageTemplates

# isort: on
from . import store as store
from ._core.exports import publish as _publish
from ._core.exports import served as _served

# fmt: off
__all__ = [
    "DEFAULT_TIMEZONE", "GROUPINGS", "OPEN311_STATUSES", "THREE_RATES_WEIGHTS",
    "THREE_REVIEWS_WEIGHTS", "Actor", "Appeal", "AppealGrounds", "AppealOutcome", "BanshishiError",
    "BatchRefusedError", "Breakdown", "ChainKeyError", "ChainReport", "Channel", "ChronologyError",
    "Clock", "Command", "CompositeScore", "ConcurrencyError", "Dashboard", "DisclosedIssue",
    "DisclosedMilestone", "DisclosedPledge", "DismissalReason", "Dispatch", "DispatchLevelFigures",
    "DispatchLine", "DuplicateCandidate", "DuplicateError", "Evaluation", "Event", "Exclusion",
    "ExclusionGrounds", "ExclusionOutcome", "Feedback", "FeedbackMethod", "FixedClock", "Grade",
    "GradeScale", "HeadReceipt", "HierarchyError", "InconsistentRecordError", "InvalidCountError",
    "InvalidTypeError", "InvalidValueError", "Issue", "IssueDisclosure", "IssueFigures",
    "IssueStatus", "IssueSummary", "IssueView", "IssueWorkflow", "JsonValue", "Ledger",
    "LedgerCheck", "LedgerFileError", "LedgerImport", "LedgerStore", "Level", "LimitUnit",
    "Location", "MatchReason", "Message", "MessageKind", "MessageTemplates", "Milestone",
    "NaiveDatetimeError", "NotALedgerError", "NotFoundError", "Open311Import", "Open311Status",
    "Open311StatusRow", "OverdueItem", "Period", "PeriodFlow", "PeriodicReport", "Person",
    "Pledge", "PledgeArguments", "PledgeCommand", "PledgeDisclosure", "PledgeFigures",
    "PledgeLedger", "PledgeListKind", "PledgeStatus", "PledgeSummary", "PledgeTree",
    "PledgeWorkflow", "PledgerKind", "PolicyChange", "PreconditionError", "ProjectCharter", "Rate",
    "RaterKind", "Rating", "Rectification", "RectificationCause", "Refusal", "ReportRow",
    "ReportingPeriod", "RequestProblem", "RequestType", "Restatement", "Role", "RoleError",
    "RoutedTransfer", "RoutingAccuracy", "RoutingCatalogue", "RoutingDecision", "RoutingRule",
    "RowProblem", "SlaLevel", "Standing", "StoreBusyError", "StoreError", "StoredPolicy",
    "StoredUnitTree", "Subject", "SweepReport", "SweepRules", "SystemClock", "TargetGroup",
    "ThreeReview", "ThreeReviewResult", "TimeLimit", "Track", "TransitionRefusedError",
    "TrendPoint", "Unit", "UnitTree", "UnitTreeChange", "UnknownValueError", "UnknownYearError",
    "Urgency", "Visit", "VisitOutcome", "Weights", "WorkCalendar", "WorkflowError",
    "WorkflowPolicy", "WorkingHours", "YearSchedule", "__version__", "by_level", "by_period",
    "by_unit", "check_ledger_file", "china_calendar", "completion_rate", "composite_score",
    "disclose_issues", "disclose_pledges", "disclosure_csv", "disclosure_html", "disclosure_json",
    "disclosure_rows", "dispatch_figures", "dispatch_reminder", "dump_requests",
    "duplicate_candidates", "evaluation_satisfaction_rate", "export_events", "export_requests",
    "find_repeat", "first_satisfaction_rate", "follow_up_rate", "format_instant", "format_points",
    "grouped", "import_events", "import_requests", "issue_figures", "issue_figures_by",
    "json_schema", "load_requests", "make_converter", "mask_address", "mask_id_number",
    "mask_mobile", "mask_name", "mask_person", "messages_for", "milestone_progress",
    "on_time_completion_rate", "parse_instant", "period_start", "periodic_csv_rows",
    "periodic_html", "periodic_record", "periodic_report", "personal_fields",
    "pledge_completion_rate", "pledge_figures", "provisional_schedule", "rank_units",
    "read_events", "read_ledger_csv", "read_ledger_file", "read_requests",
    "read_routing_catalogue", "rectification_rate", "redo_rate", "repeat_rate", "replay",
    "replay_pledge", "report_rows", "resolution_rate", "response_rate", "restate_deadlines",
    "restatement_of", "return_rate", "routing_accuracy", "satisfaction_rate", "scrub_text",
    "sla_level", "statutory_days", "structure", "sweep", "three_rates_score",
    "three_review_results", "unstructure", "visit_resolution_rate", "visit_response_rate",
    "visit_satisfaction_rate", "withheld", "workflow_diagram", "workflow_table",
    "write_disclosure", "write_ledger_csv", "write_ledger_file", "write_periodic_csv",
    "write_periodic_html", "write_periodic_json", "write_requests", "write_routing_catalogue",
]
# fmt: on

_publish(__name__, globals(), __all__)

_MOVED = {
    "Append": "banshishi.store",
    "Campaign": "banshishi.simulation",
    "EventStore": "banshishi.store",
    "PolicyAppend": "banshishi.store",
    "SqliteEventStore": "banshishi.store",
    "StoredEvent": "banshishi.store",
    "UnitTreeAppend": "banshishi.store",
    "simulate_campaign": "banshishi.simulation",
}
"""Names that moved from here to a public submodule, still served with a warning."""

if typing.TYPE_CHECKING:
    __version__: str
else:  # __getattr__ is hidden from type checkers: they point at a moved name's new home

    def __getattr__(name: str) -> object:
        return _served(__name__, globals(), name, moved=_MOVED, lazy=("simulation",))
