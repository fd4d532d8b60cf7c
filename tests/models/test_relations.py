"""Every relation is declared, and typed, on both of its sides: the reverse side of a
foreign key is an annotation on the model it points at, so `deal.tasks` reads as what
it is to a reader and to mypy."""

from __future__ import annotations

from tortoise import Tortoise


def test_the_reverse_side_of_every_foreign_key_is_declared(orm: None):
    models = list(Tortoise.apps["models"].values())
    undeclared = [
        f"{model.__name__}.{name}"
        for model in models
        for name in sorted(model._meta.backward_fk_fields | model._meta.backward_o2o_fields)
        if name not in model.__annotations__
    ]

    assert len(models) > 10
    assert undeclared == []
