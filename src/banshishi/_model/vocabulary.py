"""The vocabulary of the records, one labelled enum each: where an issue or a
pledge stands in the closed loop (闭环), how an issue is handled (四办) and how
pressing it is (急难愁盼), where it came in (渠道), how an open item stands against
its deadline (the traffic light of a 12345 board), why an issue was dismissed
(不予受理), what kind of request it is (诉求类型), the groups of people the campaign
singles out, and the five levels of the 好差评 (good/bad) rating."""

from typing import Self, final

from banshishi._core.errors import UnknownValueError
from banshishi._core.labels import LabelledEnum, formerly


@final
class IssueStatus(LabelledEnum):
    """The status of an issue. The workflow decides which changes are allowed."""

    RECEIVED = "received", "已受理"  # accepted at intake, not yet sent anywhere
    TRANSFERRED = "transferred", "已转办"  # sent to a responsible unit with a deadline
    IN_PROGRESS = "in_progress", "办理中"  # the responsible unit has signed for it
    RESOLVED = "resolved", "已办理"  # the unit has done the work
    ANSWERED = "answered", "已反馈"  # the result was fed back to the requester
    CLOSED = "closed", "已办结"  # closed (办结/销号); counts as done
    RETURNED = "returned", "已退回"  # sent back by a unit that is not responsible
    DISMISSED = "dismissed", "不予受理"  # duplicate, invalid or withdrawn; in no denominator

    @property
    def is_open(self) -> bool:
        """True while someone still owes work on the issue."""
        return self not in (IssueStatus.CLOSED, IssueStatus.DISMISSED)


@final
class PledgeStatus(LabelledEnum):
    """Where a pledge stands. :class:`PledgeWorkflow` decides which changes are allowed."""

    DRAFT = "draft", "拟定"  # claimed and written, not yet published
    PUBLISHED = "published", "已公示"  # published for public supervision
    IN_PROGRESS = "in_progress", "推进中"  # work under way
    FULFILLED = "fulfilled", "已践诺"  # delivered and struck off (销号)
    OVERDUE = "overdue", "已逾期"  # past its deadline and not delivered
    WITHDRAWN = "withdrawn", "已撤回"  # withdrawn with a reason; in no denominator

    @property
    def is_open(self) -> bool:
        """True while the pledge still owes work: neither fulfilled nor withdrawn."""
        return self not in (PledgeStatus.FULFILLED, PledgeStatus.WITHDRAWN)


@final
class Subject(LabelledEnum):
    """What an audit event is about: an issue or a pledge."""

    ISSUE = "issue", "诉求"  # an issue moved by IssueWorkflow
    PLEDGE = "pledge", "承诺"  # a pledge moved by PledgeWorkflow


Status = IssueStatus | PledgeStatus
"""A status of either workflow."""

STATUSES: dict[Subject, type[IssueStatus] | type[PledgeStatus]] = {
    Subject.ISSUE: IssueStatus,
    Subject.PLEDGE: PledgeStatus,
}
"""The status vocabulary of each subject."""


@final
class Track(LabelledEnum):
    """One of the four handling tracks."""

    IMMEDIATE = "immediate", "即办"  # urgent matters: handled as soon as they are known
    JOINT = "joint", "共办"  # difficult matters: a lead unit and co-units handle it together
    SUPERVISED = "supervised", "督办"  # worrying matters: raised one level and supervised
    TRACKED = "tracked", "盯办"  # longed-for matters: followed through the whole process


@final
class Urgency(LabelledEnum):
    """The 急难愁盼 classification of a problem."""

    URGENT = "urgent", "急"  # urgent: people are affected now
    DIFFICULT = "difficult", "难"  # difficult: beyond one unit's means
    WORRYING = "worrying", "愁"  # worrying: a long-standing trouble people fret over
    LONGED_FOR = "longed_for", "盼"  # longed-for: an improvement people hope for

    @property
    def default_track(self) -> Track:
        """The track this class of problem goes to unless a deployment says otherwise."""
        return _DEFAULT_TRACK[self]


_DEFAULT_TRACK = {
    Urgency.URGENT: Track.IMMEDIATE,
    Urgency.DIFFICULT: Track.JOINT,
    Urgency.WORRYING: Track.SUPERVISED,
    Urgency.LONGED_FOR: Track.TRACKED,
}


@final
class Channel(LabelledEnum):
    """The channel through which a citizen's demand, opinion or problem arrived."""

    HOTLINE = "hotline", "热线电话"  # a 12345-style service or 问政 hotline
    PORTAL = "portal", "门户网站"  # a government portal website or its message board
    NEW_MEDIA = "new_media", "新媒体"  # an official account (公众号) or other new-media channel
    SERVICE_CENTRE = "service_centre", "党群服务中心"  # an offline party–mass service centre
    SUGGESTION_BOX = "suggestion_box", "意见箱"  # suggestion boxes and bulletin boards
    DIRECTORS_MAILBOX = "directors_mailbox", "厅局长信箱"  # a director's mailbox
    MOBILE_PLATFORM = "mobile_platform", "随手拍"  # photo-and-send app: 随拍随发、一键直达
    FIELD_VISIT = "field_visit", "走访"  # cadres' field visits (三问: advice, needs, opinions)
    RESIDENTS_COUNCIL = "residents_council", "议事会"  # a residents' council meeting
    MICRO_WISH = "micro_wish", "微心愿"  # a resident's micro-wish that a cadre takes on
    OTHER = "other", "其他"  # anything else; record the detail in the description


@final
class RequestType(LabelledEnum):
    """What a requester asks for (诉求类型), as 12345 platforms classify it at intake.

    The type sets the time limit on many platforms (Guangdong's: 咨询 2 working
    days; 求助 and 建议 10; 投诉 and 举报 15): see ``WorkflowPolicy.type_limits``.
    """

    CONSULTATION = "consultation", "咨询"  # a question about a policy, a procedure, a service
    HELP = "help", "求助"  # asks for help with a difficulty in daily life or work
    SUGGESTION = "suggestion", "建议"  # an opinion or proposal on public affairs
    COMPLAINT = "complaint", "投诉"  # a complaint about a service, an office or a business
    REPORT = "report", "举报"  # a report of wrongdoing (a violation, an offence) to be dealt with
    PRAISE = "praise", "表扬"  # praise for a unit or a member of staff


@final
class SlaLevel(LabelledEnum):
    """Green, yellow or red: on track, due soon (临期) or overdue (超期)."""

    ON_TRACK = "on_track", "正常"  # green: the deadline is further off than the lead time
    DUE_SOON = "due_soon", "临期"  # yellow: due within the lead time
    OVERDUE = "overdue", "超期"  # red: the deadline has passed


@final
class DismissalReason(LabelledEnum):
    """The three grounds for dismissing an issue; each needs a note saying why."""

    # Formerly labelled 重复诉求, the word for a repeat request (``Issue.repeat_of``).
    DUPLICATE = "duplicate", "重复件", formerly("重复诉求")  # already on the ledger, still open
    INVALID = "invalid", "无效诉求"  # not a matter for the platform: abuse, test, no content
    WITHDRAWN = "withdrawn", "撤回"  # the requester withdrew it


@final
class TargetGroup(LabelledEnum):
    """A target group an issue concerns; an issue may concern several."""

    ELDERLY = "elderly", "老年人"  # the 老 of 一老一小
    CHILDREN = "children", "少年儿童"  # the 小 of 一老一小
    OLD_REVOLUTIONARY_AREA = "old_revolutionary_area", "老区群众"  # old revolutionary areas
    MARTYRS_DESCENDANTS = "martyrs_descendants", "烈士后代"  # descendants of martyrs
    NEEDY_PARTY_MEMBERS = "needy_party_members", "困难党员"  # party members in hardship
    OLD_PARTY_MEMBERS = "old_party_members", "老党员"  # elderly party members
    FLEXIBLE_WORKERS = "flexible_workers", "新就业群体"  # couriers, drivers, delivery riders
    PEOPLE_WITH_DISABILITIES = "people_with_disabilities", "残疾人"  # people with disabilities
    LOW_INCOME = "low_income", "困难群众"  # households on low income or assistance
    OTHER = "other", "其他"  # any other group; say which in the description


@final
class Rating(LabelledEnum):
    """A rater's verdict on how a matter was handled, best first."""

    VERY_SATISFIED = "very_satisfied", "非常满意"  # score 5
    SATISFIED = "satisfied", "满意"  # score 4
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"  # score 3; see satisfaction_rate
    DISSATISFIED = "dissatisfied", "不满意"  # score 2; a bad rating, opens rectification
    VERY_DISSATISFIED = "very_dissatisfied", "非常不满意"  # score 1; a bad rating

    @property
    def score(self) -> int:
        """5 for 非常满意 down to 1 for 非常不满意, as on five-star rating screens."""
        return 5 - list(Rating).index(self)

    @property
    def is_bad(self) -> bool:
        """True for 不满意 and 非常不满意, the ratings that send a matter back (差评)."""
        return self in (Rating.DISSATISFIED, Rating.VERY_DISSATISFIED)

    def counts_as_satisfied(self, *, basically_satisfied: bool = True) -> bool:
        """Whether this rating is in a satisfaction rate's numerator.

        非常满意 and 满意 always are; 基本满意 is when ``basically_satisfied`` is true.
        """
        if self is Rating.BASICALLY_SATISFIED:
            return basically_satisfied
        return self in (Rating.VERY_SATISFIED, Rating.SATISFIED)

    @classmethod
    def from_score(cls, score: int) -> Self:
        """The rating for a 1–5 score; any other number raises ``UnknownValueError``."""
        if isinstance(score, int) and not isinstance(score, bool) and 1 <= score <= 5:
            return list(cls)[5 - score]
        raise UnknownValueError(
            field="Rating.score", value=score, problem="is not one of the five levels 1–5"
        )
