"""Every slash subcommand, callback_id, action_id and block_id, in one place."""

from __future__ import annotations

from enum import StrEnum

COMMAND = "/als"

#: The events the app subscribes to (``manifest.yml``'s ``bot_events``; a test keeps them the
#: same). Slack sends no others: people's messages in channels and DMs are not among them.
BOT_EVENTS = frozenset({"app_home_opened", "app_uninstalled", "tokens_revoked", "user_change"})

#: The request context's key for an event the front door sets once the server has written the
#: request's answer (``bot.web``); listeners' work after their ack waits for it (``guard``).
RESPONSE_SENT = "als_response_sent"


class Sub(StrEnum):
    """``/als`` subcommands, with their one-line help."""

    HELP = "help"
    SETUP = "setup"
    TOPIC = "topic"
    AGENDA = "agenda"
    ACTIONS = "actions"
    LOG = "log"
    SESSIONS = "sessions"
    LEAVE = "leave"
    AWAY = "away"
    CALENDAR = "calendar"
    ROTA = "rota"
    QUESTIONS = "questions"
    START = "start"
    GOAL = "goal"
    REPORT = "report"
    ORGANISERS = "organisers"
    EXPORT = "export"
    FORGET = "forget"

    @property
    def summary(self) -> str:
        return _SUMMARIES[self]


_SUMMARIES = {
    Sub.HELP: "this list",
    Sub.SETUP: "create the Action Learning Set for this channel, or change it (facilitator)",
    Sub.TOPIC: "prepare your topic for the next session (private unless you share it)",
    Sub.AGENDA: "open the agenda vote for the next session; `agenda close` closes it (facilitator)",
    Sub.ACTIONS: "your open actions, to report back on; `actions add` commits new ones",
    Sub.LOG: "write your private learning-log entry about the last session; `log list` shows yours",
    Sub.SESSIONS: "the set's coming sessions; the facilitator moves, cancels or adds one here",
    Sub.LEAVE: "leave your set (asks to confirm first)",
    Sub.AWAY: "`away until 2027-01-15`: no prompts until then, and your sessions count as "
    "apologies; `away off` ends it",
    Sub.CALENDAR: "your private calendar feed of your sets' sessions; `calendar reset` "
    "replaces its link",
    Sub.ROTA: "who facilitates each coming session; the lead sets how turns work",
    Sub.QUESTIONS: "the question bank: open questions by stage, process questions for the "
    "facilitator; `questions add <stage> <question>` (the lead)",
    Sub.START: "start the session on its confirmed agenda: it runs in the agenda's thread "
    "(its facilitator)",
    Sub.REPORT: "the set's figures: sessions, attendance, airtime, actions, how useful the "
    "sessions were, the goals (counts only); `report programme [group]` for organisers",
    Sub.ORGANISERS: "who sees the programme report (a set's lead names them); "
    "`organisers group <name>` puts this set in a group",
    Sub.EXPORT: "every record about you in this workspace, as a JSON and a CSV file; "
    "`export actions`: the set's shared actions",
    Sub.FORGET: "`forget me`: erase everything you wrote and leave your sets (asks to confirm "
    "first; the sets' counts stay, with no name)",
    Sub.GOAL: "your private goal for the programme (its first month); `goal review` rates "
    "your progress",
}


class CallbackId(StrEnum):
    SETUP = "als_setup"
    TOPIC = "als_topic"
    VOTE = "als_vote"
    ADJUST = "als_agenda_adjust"
    COMMIT = "als_commit"
    EDIT_ACTION = "als_action_edit"
    REPORT = "als_report"
    LOG = "als_log"
    SESSION = "als_session"
    SETUP_CHANNEL = "als_setup_channel"
    APOLOGIES = "als_apologies"
    AWAY = "als_away"
    ROTA = "als_rota"
    HANDOVER = "als_handover"
    REVIEW = "als_review"
    LIVE_QUESTION = "als_live_question"
    GOAL = "als_goal"
    GOAL_RATING = "als_goal_rating"
    ORGANISERS = "als_organisers"


class ActionId(StrEnum):
    AGREE_RULES = "als_agree_rules"
    LEAVE_CONFIRM = "als_leave_confirm"
    LEAVE_CANCEL = "als_leave_cancel"
    TOPIC_OPEN = "als_topic_open"
    VOTE_OPEN = "als_vote_open"
    VOTE_CLOSE = "als_vote_close"
    VOTE_SKIP = "als_vote_skip"
    AGENDA_ADJUST = "als_agenda_adjust"
    AGENDA_CONFIRM = "als_agenda_confirm"
    COMMIT_OPEN = "als_commit_open"
    ACTION_REPORT = "als_action_report"
    ACTION_EDIT = "als_action_edit"
    ACTION_DROP = "als_action_drop"
    LOG_OPEN = "als_log_open"
    SESSION_MOVE = "als_session_move"
    SESSION_CANCEL = "als_session_cancel"
    SESSION_ADD = "als_session_add"
    SETUP_MORE = "als_setup_more"
    # App Home: set-up for someone in no set, and the facilitator's next steps.
    HOME_CREATE_SET = "als_home_create_set"
    HOME_OPEN_VOTE = "als_home_open_vote"
    HOME_SESSIONS = "als_home_sessions"
    HOME_ROUND = "als_home_round"
    # Attendance: a member's answer for a coming session.
    RSVP_COMING = "als_rsvp_coming"
    RSVP_APOLOGIES = "als_rsvp_apologies"
    AWAY_OPEN = "als_away_open"
    AWAY_OFF = "als_away_off"
    ROTA_OPEN = "als_rota_open"
    HANDOVER_OPEN = "als_handover_open"
    HANDOVER_ACCEPT = "als_handover_accept"
    HANDOVER_DECLINE = "als_handover_decline"
    STANDIN_ACCEPT = "als_standin_accept"
    REVIEW_NOTE = "als_review_note"
    # The live session, in the agenda's thread.
    LIVE_START = "als_live_start"
    LIVE_NEXT = "als_live_next"
    LIVE_EXTEND = "als_live_extend"
    LIVE_TIME_OUT = "als_live_time_out"
    LIVE_RESUME = "als_live_resume"
    LIVE_END_PART = "als_live_end_part"
    LIVE_END = "als_live_end"
    LIVE_HELP = "als_live_help"
    LIVE_PROMPTS = "als_live_prompts"
    LIVE_QUESTION_OPEN = "als_live_question_open"
    GOAL_OPEN = "als_goal_open"
    REPORT_OPEN = "als_report_open"
    REPORT_CHARTS = "als_report_charts"
    PROGRAMME_CHART = "als_programme_chart"
    GOAL_MINE = "als_goal_mine"
    GOAL_RATE_OPEN = "als_goal_rate_open"
    ATTENDANCE_SAVE = "als_attendance_save"
    CALENDAR_FILE = "als_calendar_file"
    FORGET_CONFIRM = "als_forget_confirm"
    FORGET_CANCEL = "als_forget_cancel"
    FORGET_OFFER = "als_forget_offer"


# The attendance checklist: checkbox groups of at most 10 members each, numbered.
PRESENT_PREFIX = "als_present_"
#: The closing review's score buttons: ``als_review_1`` .. ``als_review_5``.
REVIEW_PREFIX = "als_review_"

# One select per topic in the voting modal: the action id carries the topic id.
VOTE_TOPIC_PREFIX = "als_vote_topic_"


class TopicField(StrEnum):
    SET = "set"
    RESPONSE = "response"
    TITLE = "title"
    SCENARIO = "scenario"
    QUESTION = "question"
    TRIED = "tried"
    SHARING = "sharing"

    @property
    def action_id(self) -> str:
        return f"{self.value}_input"


class SetupField(StrEnum):
    """Block ids of the setup modal; also the field names of ``InvalidInput`` errors."""

    NAME = "name"
    FACILITATOR = "facilitator"
    MEMBERS = "members"
    TIMEZONE = "timezone"
    FIRST_DATE = "first_date"
    FIRST_TIME = "first_time"
    CADENCE = "cadence"
    LENGTH = "length"
    PLACE = "place"
    PARTICIPATES = "participates"
    GROUND_RULES = "ground_rules"
    BUDGET = "budget"
    CAP = "cap"
    SELF_VOTE = "self_vote"
    SLOTS = "slots"
    OPENING = "opening"
    CLOSING = "closing"
    PROGRAMME_SESSIONS = "programme_sessions"
    PROGRAMME_ENDS_ON = "programme_ends_on"
    PREP_DAYS = "prep_days"
    NUDGE_DAYS = "nudge_days"
    REPORT_DAYS = "report_days"
    POST_MINUTES = "post_minutes"
    REFLECTION_MINUTES = "reflection_minutes"
    AUTO_VOTE = "auto_vote"
    NOTICE_HOURS = "notice_hours"
    MIN_MEMBERS = "min_members"
    QUORUM_DAYS = "quorum_days"
    STAGES = "stages"
    RETENTION = "retention"

    @property
    def action_id(self) -> str:
        return f"{self.value}_input"


class ActionField(StrEnum):
    """Block ids of the action modals that are not numbered (``action_0``, ``target_0``...)."""

    SHARING = "sharing"
    NOTE = "note"
    STATUS = "status"
    HAPPENED = "happened"
    LEARNED = "learned"
    ABOUT_ISSUE = "about_issue"
    ABOUT_SET = "about_set"

    @property
    def action_id(self) -> str:
        return f"{self.value}_input"


class SessionField(StrEnum):
    """Block ids of the Move / Add a session modal."""

    DATE = "date"
    TIME = "time"

    @property
    def action_id(self) -> str:
        return f"{self.value}_input"
