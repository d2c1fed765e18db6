"""Printed letters: the templates managers write, and the print runs the mailroom
prints, folds into window envelopes and mails. (Imported by mailings.models,
so Django sees them as the mailings app's models.)"""

from django.conf import settings
from django.db import models
from django.urls import reverse

from crm.models import Lead
from followups.models import CadenceStep, Touch


class Paper(models.TextChoices):
    LETTER = "letter", "US Letter (#10 double-window envelope)"
    A4 = "a4", "A4 (DIN 5008 form B, DL window envelope)"


class LetterTemplate(models.Model):
    """A letter body in HTML and CSS with merge fields; the page frame (return and
    recipient address in the envelope windows) is the project's, not the template's."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    body = models.TextField(
        help_text='A Django template: {{ lead.first_name|default:"there" }}, {{ rep.full_name }}, '
        "{{ campaign }}, {{ coupon_code }}, {{ offer }}, {{ today }}."
    )
    css = models.TextField(blank=True, help_text="Styles for the body (fonts, spacing, colours).")
    coupon_code = models.CharField(max_length=50, blank=True)
    offer = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("letters:template_edit", args=[self.pk])


class StepLetter(models.Model):
    """The letter a cadence's letter step sends: it goes into the next print run
    of that template."""

    step = models.OneToOneField(CadenceStep, on_delete=models.CASCADE, related_name="letter")
    template = models.ForeignKey(LetterTemplate, on_delete=models.PROTECT, related_name="steps")

    def __str__(self) -> str:
        return f"{self.step}: {self.template}"


class PrintRun(models.Model):
    """A batch of letters printed as one PDF: created and approved by a manager,
    generated, printed and marked mailed by the mailroom."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        GENERATING = "generating", "Generating"
        READY = "ready", "Ready to print"
        MAILED = "mailed", "Mailed"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"

    class Source(models.TextChoices):
        TOUCHES = "touches", "Due letter touches"
        LEADS = "leads", "A filtered lead list"

    OPEN_STATUSES = (Status.DRAFT, Status.APPROVED, Status.GENERATING, Status.READY, Status.FAILED)

    name = models.CharField(max_length=200)
    template = models.ForeignKey(LetterTemplate, on_delete=models.PROTECT, related_name="runs")
    paper = models.CharField(max_length=10, choices=Paper.choices, default=Paper.LETTER)
    source = models.CharField(max_length=10, choices=Source.choices)
    source_description = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the template said when the run was approved: the run prints (and
    # reprints) that, whatever is edited in the template later.
    approved_body = models.TextField(blank=True)
    approved_css = models.TextField(blank=True)
    approved_coupon_code = models.CharField(max_length=50, blank=True)
    approved_offer = models.CharField(max_length=200, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Each generation renders anew into its own files; a late chunk job of an
    # earlier generation finds its number out of date and does nothing.
    generation = models.PositiveIntegerField(default=0)
    generation_started_at = models.DateTimeField(null=True, blank=True)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_rendered = models.JSONField(default=list, blank=True)  # chunk numbers
    pdf = models.FileField(upload_to="print_runs/", blank=True)
    pages = models.PositiveIntegerField(default=0)
    generated_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)
    mailed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"], name="print_run_status_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("letters:run_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def letter_template(self) -> LetterTemplate:
        """The template as approved (unsaved), or as it is now for a draft."""
        if self.approved_at is None:
            return self.template
        return LetterTemplate(
            slug=self.template.slug,
            name=self.template.name,
            body=self.approved_body,
            css=self.approved_css,
            coupon_code=self.approved_coupon_code,
            offer=self.approved_offer,
        )

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.READY:
            return 100
        if not self.chunks_total:
            return 0
        return min(99, round(100 * len(self.chunks_rendered) / self.chunks_total))


class PrintRunLetter(models.Model):
    """One lead's letter in a run, in print order, or the reason it was left out."""

    run = models.ForeignKey(PrintRun, on_delete=models.CASCADE, related_name="letters")
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="print_letters")
    touch = models.ForeignKey(
        Touch, null=True, blank=True, on_delete=models.SET_NULL, related_name="print_letters"
    )
    # The touch was planned by this run (a lead-list run): cancelling the run
    # skips it; a touch that was due before goes back to the ledger instead.
    touch_made_by_run = models.BooleanField(default=False)
    position = models.PositiveIntegerField()
    exception = models.CharField(
        max_length=300, blank=True, help_text="Why this lead is left out; empty when printed."
    )
    # Held while the run is open: a touch is in at most one open run.
    holds_touch = models.BooleanField(default=False)
    reprints = models.PositiveIntegerField(default=0)
    last_reprinted_at = models.DateTimeField(null=True, blank=True)
    # The letter came back undelivered (the mailroom scanned or typed its reference).
    returned_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "lead"], name="print_letter_once_per_run"),
            models.UniqueConstraint(
                fields=["touch"],
                condition=models.Q(holds_touch=True),
                name="print_letter_touch_in_one_open_run",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}#{self.position} lead {self.lead_id}"

    @property
    def is_printed(self) -> bool:
        return not self.exception

    @property
    def reference(self) -> str:
        """The id printed small on the letter ("R12-L0345"): what the mailroom scans
        or types when the letter comes back."""
        return letter_reference(self.run_id, self.position)


def letter_reference(run_id: int, position: int) -> str:
    return f"R{run_id}-L{position:04d}"
