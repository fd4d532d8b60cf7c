"""Tortoise models, one module per aggregate. They know nothing of GraphQL."""

MODEL_MODULES = (
    "models.account",
    "models.process",
    "models.deal",
    "models.task",
    "models.event",
    "models.history",
    "models.product",
    "models.lead",
    "models.webhook",
    "models.lead_form",
)
