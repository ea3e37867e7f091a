"""banshishi (办实事): typed building blocks for 我为群众办实事 service systems.

Collect citizens' issues, transfer them to responsible units, handle them on four
tracks, answer the people who raised them, let them rate the result, and report
completion and satisfaction rates that match the published figures.

Everything public is importable from here; the ``_``-prefixed modules are
implementation detail.
"""

import importlib.metadata

from ._actor import Actor as Actor
from ._appeal import Appeal as Appeal
from ._appeal import AppealGrounds as AppealGrounds
from ._appeal import AppealOutcome as AppealOutcome
from ._breakdown import Breakdown as Breakdown
from ._calendar import WorkCalendar as WorkCalendar
from ._calendar import china_calendar as china_calendar
from ._campaign import Campaign as Campaign
from ._campaign import simulate_campaign as simulate_campaign
from ._chain_key import HeadReceipt as HeadReceipt
from ._channel import Channel as Channel
from ._charter import ProjectCharter as ProjectCharter
from ._command import Command as Command
from ._command import PledgeCommand as PledgeCommand
from ._command import Refusal as Refusal
from ._composite import THREE_RATES_WEIGHTS as THREE_RATES_WEIGHTS
from ._composite import CompositeScore as CompositeScore
from ._composite import composite_score as composite_score
from ._composite import three_rates_score as three_rates_score
from ._converter import make_converter as make_converter
from ._converter import structure as structure
from ._converter import unstructure as unstructure
from ._diagram import workflow_diagram as workflow_diagram
from ._diagram import workflow_table as workflow_table
from ._disclosure import DisclosedIssue as DisclosedIssue
from ._disclosure import DisclosedMilestone as DisclosedMilestone
from ._disclosure import DisclosedPledge as DisclosedPledge
from ._disclosure import IssueDisclosure as IssueDisclosure
from ._disclosure import PledgeDisclosure as PledgeDisclosure
from ._disclosure import disclose_issues as disclose_issues
from ._disclosure_output import disclosure_csv as disclosure_csv
from ._disclosure_output import disclosure_html as disclosure_html
from ._disclosure_output import disclosure_json as disclosure_json
from ._disclosure_output import disclosure_rows as disclosure_rows
from ._disclosure_output import write_disclosure as write_disclosure
from ._disclosure_pledges import disclose_pledges as disclose_pledges
from ._dismissal import DismissalReason as DismissalReason
from ._errors import BanshishiError as BanshishiError
from ._errors import BatchRefusedError as BatchRefusedError
from ._errors import ChainKeyError as ChainKeyError
from ._errors import ChronologyError as ChronologyError
from ._errors import ConcurrencyError as ConcurrencyError
from ._errors import DuplicateError as DuplicateError
from ._errors import HierarchyError as HierarchyError
from ._errors import InconsistentRecordError as InconsistentRecordError
from ._errors import InvalidCountError as InvalidCountError
from ._errors import InvalidTypeError as InvalidTypeError
from ._errors import InvalidValueError as InvalidValueError
from ._errors import LedgerFileError as LedgerFileError
from ._errors import NaiveDatetimeError as NaiveDatetimeError
from ._errors import NotALedgerError as NotALedgerError
from ._errors import NotFoundError as NotFoundError
from ._errors import PreconditionError as PreconditionError
from ._errors import RoleError as RoleError
from ._errors import RowProblem as RowProblem
from ._errors import StoreBusyError as StoreBusyError
from ._errors import StoreError as StoreError
from ._errors import TransitionRefusedError as TransitionRefusedError
from ._errors import UnknownValueError as UnknownValueError
from ._errors import UnknownYearError as UnknownYearError
from ._errors import WorkflowError as WorkflowError
from ._evaluation import Evaluation as Evaluation
from ._evaluation import RaterKind as RaterKind
from ._event import Event as Event
from ._event_csv import export_events as export_events
from ._event_csv import import_events as import_events
from ._event_csv import read_events as read_events
from ._event_store import Append as Append
from ._event_store import ChainReport as ChainReport
from ._event_store import EventStore as EventStore
from ._event_store import StoredEvent as StoredEvent
from ._feedback import Feedback as Feedback
from ._feedback import FeedbackMethod as FeedbackMethod
from ._figures import IssueFigures as IssueFigures
from ._figures import PledgeFigures as PledgeFigures
from ._figures import issue_figures as issue_figures
from ._figures import issue_figures_by as issue_figures_by
from ._figures import pledge_figures as pledge_figures
from ._follow_up_rates import follow_up_rate as follow_up_rate
from ._follow_up_rates import rectification_rate as rectification_rate
from ._grouping import Period as Period
from ._grouping import by_level as by_level
from ._grouping import by_period as by_period
from ._grouping import by_unit as by_unit
from ._grouping import grouped as grouped
from ._grouping import period_start as period_start
from ._issue import Issue as Issue
from ._issue_rates import completion_rate as completion_rate
from ._issue_rates import on_time_completion_rate as on_time_completion_rate
from ._issue_rates import redo_rate as redo_rate
from ._issue_rates import response_rate as response_rate
from ._issue_rates import return_rate as return_rate
from ._json_schema import json_schema as json_schema
from ._ledger import Ledger as Ledger
from ._ledger_check import LedgerCheck as LedgerCheck
from ._ledger_check import check_ledger_file as check_ledger_file
from ._ledger_file import read_ledger_csv as read_ledger_csv
from ._ledger_file import read_ledger_file as read_ledger_file
from ._ledger_file import write_ledger_csv as write_ledger_csv
from ._ledger_file import write_ledger_file as write_ledger_file
from ._ledger_import import LedgerImport as LedgerImport
from ._ledger_store import LedgerStore as LedgerStore
from ._location import Location as Location
from ._masking import mask_address as mask_address
from ._masking import mask_id_number as mask_id_number
from ._masking import mask_mobile as mask_mobile
from ._masking import mask_name as mask_name
from ._masking import mask_person as mask_person
from ._masking import scrub_text as scrub_text
from ._milestone import Milestone as Milestone
from ._milestone import milestone_progress as milestone_progress
from ._open311 import dump_requests as dump_requests
from ._open311 import export_requests as export_requests
from ._open311 import load_requests as load_requests
from ._open311 import read_requests as read_requests
from ._open311 import write_requests as write_requests
from ._open311_import import import_requests as import_requests
from ._open311_result import Open311Import as Open311Import
from ._open311_result import RequestProblem as RequestProblem
from ._open311_status import OPEN311_STATUSES as OPEN311_STATUSES
from ._open311_status import Open311Status as Open311Status
from ._open311_status import Open311StatusRow as Open311StatusRow
from ._period import ReportingPeriod as ReportingPeriod
from ._periodic_output import format_points as format_points
from ._periodic_output import periodic_csv_rows as periodic_csv_rows
from ._periodic_output import periodic_record as periodic_record
from ._periodic_output import write_periodic_csv as write_periodic_csv
from ._periodic_output import write_periodic_json as write_periodic_json
from ._periodic_report import OverdueItem as OverdueItem
from ._periodic_report import PeriodFlow as PeriodFlow
from ._periodic_report import PeriodicReport as PeriodicReport
from ._periodic_report import TrendPoint as TrendPoint
from ._periodic_report import periodic_report as periodic_report
from ._person import Person as Person
from ._person import Role as Role
from ._person import personal_fields as personal_fields
from ._pledge import Pledge as Pledge
from ._pledge import PledgeListKind as PledgeListKind
from ._pledge import PledgerKind as PledgerKind
from ._pledge_ledger import PledgeLedger as PledgeLedger
from ._pledge_rates import pledge_completion_rate as pledge_completion_rate
from ._pledge_step import PledgeArguments as PledgeArguments
from ._pledge_tree import PledgeTree as PledgeTree
from ._pledge_workflow import PledgeWorkflow as PledgeWorkflow
from ._policy import WorkflowPolicy as WorkflowPolicy
from ._policy_history import PolicyAppend as PolicyAppend
from ._policy_history import PolicyChange as PolicyChange
from ._policy_history import StoredPolicy as StoredPolicy
from ._ranking import Standing as Standing
from ._ranking import rank_units as rank_units
from ._rate import Rate as Rate
from ._rating import Rating as Rating
from ._rectification import Rectification as Rectification
from ._rectification import RectificationCause as RectificationCause
from ._replay import replay as replay
from ._replay import replay_pledge as replay_pledge
from ._report import GROUPINGS as GROUPINGS
from ._report import Dashboard as Dashboard
from ._report import ReportRow as ReportRow
from ._report import report_rows as report_rows
from ._report_html import periodic_html as periodic_html
from ._report_html import write_periodic_html as write_periodic_html
from ._restatement import Restatement as Restatement
from ._restatement import restate_deadlines as restate_deadlines
from ._restatement import restatement_of as restatement_of
from ._satisfaction import evaluation_satisfaction_rate as evaluation_satisfaction_rate
from ._satisfaction import resolution_rate as resolution_rate
from ._satisfaction import satisfaction_rate as satisfaction_rate
from ._schedule import YearSchedule as YearSchedule
from ._sla_level import SlaLevel as SlaLevel
from ._sqlite_store import SqliteEventStore as SqliteEventStore
from ._status import IssueStatus as IssueStatus
from ._status import PledgeStatus as PledgeStatus
from ._status import Subject as Subject
from ._statutory import provisional_schedule as provisional_schedule
from ._statutory import statutory_days as statutory_days
from ._summary import IssueSummary as IssueSummary
from ._summary import PledgeSummary as PledgeSummary
from ._sweep import SweepReport as SweepReport
from ._sweep import SweepRules as SweepRules
from ._sweep import sla_level as sla_level
from ._sweep import sweep as sweep
from ._target_group import TargetGroup as TargetGroup
from ._three_reviews import THREE_REVIEWS_WEIGHTS as THREE_REVIEWS_WEIGHTS
from ._three_reviews import Grade as Grade
from ._three_reviews import GradeScale as GradeScale
from ._three_reviews import ThreeReview as ThreeReview
from ._three_reviews import ThreeReviewResult as ThreeReviewResult
from ._three_reviews import three_review_results as three_review_results
from ._time import DEFAULT_TIMEZONE as DEFAULT_TIMEZONE
from ._time import Clock as Clock
from ._time import FixedClock as FixedClock
from ._time import SystemClock as SystemClock
from ._time import format_instant as format_instant
from ._time import parse_instant as parse_instant
from ._time_limit import LimitUnit as LimitUnit
from ._time_limit import TimeLimit as TimeLimit
from ._track import Track as Track
from ._track import Urgency as Urgency
from ._unit import Level as Level
from ._unit import Unit as Unit
from ._unit import UnitTree as UnitTree
from ._unit_history import StoredUnitTree as StoredUnitTree
from ._unit_history import UnitTreeAppend as UnitTreeAppend
from ._unit_history import UnitTreeChange as UnitTreeChange
from ._visit import Visit as Visit
from ._visit import VisitOutcome as VisitOutcome
from ._weights import Weights as Weights
from ._workflow import IssueWorkflow as IssueWorkflow
from ._working_hours import WorkingHours as WorkingHours

try:
    __version__ = importlib.metadata.version("banshishi")
except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "DEFAULT_TIMEZONE",
    "GROUPINGS",
    "OPEN311_STATUSES",
    "THREE_RATES_WEIGHTS",
    "THREE_REVIEWS_WEIGHTS",
    "Actor",
    "Appeal",
    "AppealGrounds",
    "AppealOutcome",
    "Append",
    "BanshishiError",
    "BatchRefusedError",
    "Breakdown",
    "Campaign",
    "ChainKeyError",
    "ChainReport",
    "Channel",
    "ChronologyError",
    "Clock",
    "Command",
    "CompositeScore",
    "ConcurrencyError",
    "Dashboard",
    "DisclosedIssue",
    "DisclosedMilestone",
    "DisclosedPledge",
    "DismissalReason",
    "DuplicateError",
    "Evaluation",
    "Event",
    "EventStore",
    "Feedback",
    "FeedbackMethod",
    "FixedClock",
    "Grade",
    "GradeScale",
    "HeadReceipt",
    "HierarchyError",
    "InconsistentRecordError",
    "InvalidCountError",
    "InvalidTypeError",
    "InvalidValueError",
    "Issue",
    "IssueDisclosure",
    "IssueFigures",
    "IssueStatus",
    "IssueSummary",
    "IssueWorkflow",
    "Ledger",
    "LedgerCheck",
    "LedgerFileError",
    "LedgerImport",
    "LedgerStore",
    "Level",
    "LimitUnit",
    "Location",
    "Milestone",
    "NaiveDatetimeError",
    "NotALedgerError",
    "NotFoundError",
    "Open311Import",
    "Open311Status",
    "Open311StatusRow",
    "OverdueItem",
    "Period",
    "PeriodFlow",
    "PeriodicReport",
    "Person",
    "Pledge",
    "PledgeArguments",
    "PledgeCommand",
    "PledgeDisclosure",
    "PledgeFigures",
    "PledgeLedger",
    "PledgeListKind",
    "PledgeStatus",
    "PledgeSummary",
    "PledgeTree",
    "PledgeWorkflow",
    "PledgerKind",
    "PolicyAppend",
    "PolicyChange",
    "PreconditionError",
    "ProjectCharter",
    "Rate",
    "RaterKind",
    "Rating",
    "Rectification",
    "RectificationCause",
    "Refusal",
    "ReportRow",
    "ReportingPeriod",
    "RequestProblem",
    "Restatement",
    "Role",
    "RoleError",
    "RowProblem",
    "SlaLevel",
    "SqliteEventStore",
    "Standing",
    "StoreBusyError",
    "StoreError",
    "StoredEvent",
    "StoredPolicy",
    "StoredUnitTree",
    "Subject",
    "SweepReport",
    "SweepRules",
    "SystemClock",
    "TargetGroup",
    "ThreeReview",
    "ThreeReviewResult",
    "TimeLimit",
    "Track",
    "TransitionRefusedError",
    "TrendPoint",
    "Unit",
    "UnitTree",
    "UnitTreeAppend",
    "UnitTreeChange",
    "UnknownValueError",
    "UnknownYearError",
    "Urgency",
    "Visit",
    "VisitOutcome",
    "Weights",
    "WorkCalendar",
    "WorkflowError",
    "WorkflowPolicy",
    "WorkingHours",
    "YearSchedule",
    "__version__",
    "by_level",
    "by_period",
    "by_unit",
    "check_ledger_file",
    "china_calendar",
    "completion_rate",
    "composite_score",
    "disclose_issues",
    "disclose_pledges",
    "disclosure_csv",
    "disclosure_html",
    "disclosure_json",
    "disclosure_rows",
    "dump_requests",
    "evaluation_satisfaction_rate",
    "export_events",
    "export_requests",
    "follow_up_rate",
    "format_instant",
    "format_points",
    "grouped",
    "import_events",
    "import_requests",
    "issue_figures",
    "issue_figures_by",
    "json_schema",
    "load_requests",
    "make_converter",
    "mask_address",
    "mask_id_number",
    "mask_mobile",
    "mask_name",
    "mask_person",
    "milestone_progress",
    "on_time_completion_rate",
    "parse_instant",
    "period_start",
    "periodic_csv_rows",
    "periodic_html",
    "periodic_record",
    "periodic_report",
    "personal_fields",
    "pledge_completion_rate",
    "pledge_figures",
    "provisional_schedule",
    "rank_units",
    "read_events",
    "read_ledger_csv",
    "read_ledger_file",
    "read_requests",
    "rectification_rate",
    "redo_rate",
    "replay",
    "replay_pledge",
    "report_rows",
    "resolution_rate",
    "response_rate",
    "restate_deadlines",
    "restatement_of",
    "return_rate",
    "satisfaction_rate",
    "scrub_text",
    "simulate_campaign",
    "sla_level",
    "statutory_days",
    "structure",
    "sweep",
    "three_rates_score",
    "three_review_results",
    "unstructure",
    "workflow_diagram",
    "workflow_table",
    "write_disclosure",
    "write_ledger_csv",
    "write_ledger_file",
    "write_periodic_csv",
    "write_periodic_html",
    "write_periodic_json",
    "write_requests",
]
