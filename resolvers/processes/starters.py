"""Ready-made process configurations: the one every new workspace starts with, and the
two of the demo workspace."""

from __future__ import annotations

from models.process import NoteRequirement, NotifyAudience, Performer, TaskAssignee
from resolvers.processes.specs import ProcessSpec, StageSpec, StepSpec, TaskTemplateSpec


def _steps(*items: tuple[str, int] | StepSpec) -> list[StepSpec]:
    return [item if isinstance(item, StepSpec) else StepSpec(*item) for item in items]


def suggested_process() -> ProcessSpec:
    """Qualify → Needs analysis → Proposal → Negotiation → Closing, weights summing to 100."""
    return ProcessSpec(
        name="Sales process",
        is_default=True,
        stages=[
            StageSpec("Qualify", _steps(("Identify the decision maker", 5), ("Confirm budget", 5))),
            StageSpec(
                "Needs analysis",
                _steps(("Discovery meeting", 10), ("Document requirements", 10)),
            ),
            StageSpec(
                "Proposal",
                _steps(
                    StepSpec(
                        "Send proposal",
                        20,
                        mandatory=True,
                        require_note=NoteRequirement.NOTE,
                        trigger_task=TaskTemplateSpec(
                            "Follow up on the proposal", 3, TaskAssignee.DEAL_OWNER
                        ),
                    ),
                ),
            ),
            StageSpec("Negotiation", _steps(("Agree on terms", 20), ("Legal review", 10))),
            StageSpec(
                "Closing",
                _steps(
                    StepSpec(
                        "Contract signed",
                        20,
                        mandatory=True,
                        notify=[NotifyAudience.MANAGERS],
                    )
                ),
            ),
        ],
    )


def demo_processes() -> list[ProcessSpec]:
    active_sales = ProcessSpec(
        name="Active sales",
        is_default=True,
        stages=[
            StageSpec(
                "Lead", _steps(("First contact", 5), ("Qualify the need", 5)), rotten_after_days=14
            ),
            StageSpec(
                "Meeting",
                _steps(
                    ("Meeting scheduled", 5),
                    StepSpec(
                        "Meeting held",
                        10,
                        require_note=NoteRequirement.NOTE,
                        notify=[NotifyAudience.PARTICIPANTS],
                    ),
                ),
                rotten_after_days=10,
            ),
            StageSpec(
                "Offer",
                _steps(
                    ("Offer prepared", 10),
                    StepSpec(
                        "Offer approved by a manager",
                        10,
                        mandatory=True,
                        who_can_perform=Performer.MANAGERS,
                    ),
                    StepSpec(
                        "Offer sent",
                        15,
                        require_note=NoteRequirement.NOTE_WITH_FILE,
                        trigger_task=TaskTemplateSpec(
                            "Call about the offer", 2, TaskAssignee.DEAL_OWNER
                        ),
                    ),
                ),
            ),
            StageSpec(
                "Negotiation",
                _steps(("Objections handled", 10), ("Price agreed", 10)),
                rotten_after_days=7,
            ),
            StageSpec(
                "Contract",
                _steps(
                    StepSpec(
                        "Contract signed",
                        20,
                        mandatory=True,
                        notify=[NotifyAudience.ADMINS, NotifyAudience.MANAGERS],
                    ),
                ),
            ),
        ],
    )
    offer_inquiry = ProcessSpec(
        name="Offer inquiry",
        stages=[
            StageSpec("Inquiry received", _steps(("Inquiry registered", 10))),
            StageSpec("Clarification", _steps(("Scope clarified", 20), ("Deadline confirmed", 10))),
            StageSpec(
                "Quotation",
                _steps(
                    StepSpec(
                        "Quotation sent",
                        30,
                        mandatory=True,
                        require_note=NoteRequirement.NOTE,
                        trigger_task=TaskTemplateSpec(
                            "Ask for feedback on the quotation", 5, TaskAssignee.STEP_PERFORMER
                        ),
                    ),
                ),
            ),
            StageSpec("Decision", _steps(("Purchase order received", 30))),
        ],
    )
    return [active_sales, offer_inquiry]
