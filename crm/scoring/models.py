"""Lead scoring: points per interaction kind, decaying with age."""

from django.db import models


class ScoringRule(models.Model):
    """An interaction of this kind is worth `points`, halving every
    `half_life_days` (0: never decays)."""

    kind = models.CharField(max_length=30, unique=True)
    points = models.IntegerField()
    half_life_days = models.PositiveIntegerField(default=30)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.points}"
