"""Data stewardship: the review queue, merge and split of golden records, the audit trail.

Every decision becomes steward constraints (must-link / cannot-link between source records)
that every later run honours, and one append-only row in ``mdm.steward_actions``:

- :mod:`.review` — list, show, decide, import and export review pairs;
- :mod:`.regroup` — merge and split golden records (recorded, then the domain is re-run);
- :mod:`.actions` — the change sets behind every decision, undo, and the audit log.
"""

from .actions import ActionResult, LogFilter, StewardError, default_steward, list_actions, undo_action
from .regroup import merge_golden, split_golden
from .review import (
    DecisionFileError,
    ImportResult,
    ReviewDetail,
    ReviewFilter,
    ReviewList,
    decide_review,
    export_reviews,
    import_decisions,
    list_reviews,
    parse_band,
    parse_review_id,
    show_review,
)

__all__ = [
    "ActionResult",
    "DecisionFileError",
    "ImportResult",
    "LogFilter",
    "ReviewDetail",
    "ReviewFilter",
    "ReviewList",
    "StewardError",
    "decide_review",
    "default_steward",
    "export_reviews",
    "import_decisions",
    "list_actions",
    "list_reviews",
    "merge_golden",
    "parse_band",
    "parse_review_id",
    "show_review",
    "split_golden",
    "undo_action",
]
