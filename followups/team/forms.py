from django import forms
from django.db.models import QuerySet, TextChoices

from crm.models import Lead, User
from crm.selectors import leads_not_yet_worked
from followups.team.selectors import Territory, assignable_people, open_touches_of


class Scope(TextChoices):
    SELECTED = "selected", "The selected touches (the leads keep their owner)"
    SELECTED_LEADS = "selected_leads", "The selected touches' leads, with all their open touches"
    ALL_TOUCHES = "all_touches", "Every open touch in this list, not only this page"
    ALL_LEADS = "all_leads", "Every lead this person owns, with all their open touches"


class ReassignForm(forms.Form):
    """Move work away from one person (None: the unassigned touches)."""

    scope = forms.ChoiceField(
        choices=Scope.choices, initial=Scope.SELECTED, widget=forms.RadioSelect, label="Move"
    )
    touches = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        error_messages={
            "invalid_choice": "A selected touch is no longer open here; reload and try again."
        },
    )
    to_user = forms.ModelChoiceField(queryset=None, label="To", empty_label="Choose a person")

    def __init__(self, *args, from_user: User | None, **kwargs):
        super().__init__(*args, **kwargs)
        # Validation only: the page renders the checkboxes for the touches it shows.
        self.fields["touches"].queryset = open_touches_of(from_user)
        people = assignable_people()
        self.fields["to_user"].queryset = people.exclude(pk=from_user.pk) if from_user else people
        self.fields["to_user"].label_from_instance = lambda person: person.display_name
        if from_user is None:
            self.fields["scope"].choices = Scope.choices[:3]

    def clean(self):
        data = super().clean()
        selected = data.get("scope") in (Scope.SELECTED, Scope.SELECTED_LEADS)
        if selected and not data.get("touches"):
            self.add_error("touches", "Select the touches to move.")
        return data


class Which(TextChoices):
    NOT_YET_WORKED = "not_yet_worked", "Only the leads no one has called or met yet"
    ALL = "all", "All of them, also the leads a rep is working"


class WhichLeadsForm(forms.Form):
    """Which of the filtered leads to share out: a query parameter, like the filters."""

    which = forms.ChoiceField(choices=Which.choices, required=False, label="Which leads")

    def clean_which(self) -> str:
        return self.cleaned_data["which"] or Which.NOT_YET_WORKED

    def narrow(self, leads: QuerySet[Lead]) -> QuerySet[Lead]:
        if self.cleaned_data["which"] == Which.ALL:
            return leads
        return leads_not_yet_worked(leads)


class Method(TextChoices):
    ROUND_ROBIN = "round_robin", "Round-robin"
    TERRITORY = "territory", "By territory"


class PeopleChoices:
    """The people leads may be given to, read once for every field that offers
    them (a select per territory row would otherwise query them once per row)."""

    def __init__(self, people: QuerySet[User]):
        self.by_pk = {person.pk: person for person in people}
        self.choices = [(pk, person.display_name) for pk, person in self.by_pk.items()]


class RoundRobinForm(forms.Form):
    people = forms.TypedMultipleChoiceField(
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label="Share them between",
        error_messages={
            "required": "Tick the people to share the leads between.",
            "invalid_choice": "Someone ticked can no longer be given leads: reload the page.",
        },
    )

    def __init__(self, *args, people: PeopleChoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = people
        self.fields["people"].choices = people.choices

    def chosen(self) -> list[User]:
        """The people ticked, in the list's order: the order the leads are dealt in."""
        ticked = set(self.cleaned_data["people"])
        return [person for pk, person in self.people.by_pk.items() if pk in ticked]


class TerritoryForm(forms.Form):
    """A row of the territory table: a country (region "") or one of its regions."""

    country = forms.CharField(max_length=2, required=False, widget=forms.HiddenInput)
    region = forms.CharField(max_length=100, required=False, strip=False, widget=forms.HiddenInput)
    person = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "This person can no longer be given leads."},
    )

    def __init__(self, *args, people: PeopleChoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = people
        blank = "As its country" if self["region"].value() else "Leave as is"
        self.fields["person"].choices = [("", blank), *people.choices]

    @property
    def key(self) -> tuple[str, str]:
        return (self["country"].value() or "", self["region"].value() or "")

    def chosen(self) -> User | None:
        pk = self.cleaned_data.get("person")
        return None if pk is None else self.people.by_pk[pk]


MAX_TERRITORIES = 1000


class BaseTerritoryFormSet(forms.BaseFormSet):
    def rows(self, territories: list[Territory]) -> list[tuple[TerritoryForm, Territory]]:
        """Each row with its territory as it is now (no leads: they left it meanwhile)."""
        found = {territory.key: territory for territory in territories}
        return [(form, found.get(form.key) or Territory(*form.key, leads=0)) for form in self]

    def chosen(self) -> dict[tuple[str, str], User]:
        """(country, region) -> the person chosen for it, for the rows with one."""
        return {form.key: person for form in self if (person := form.chosen()) is not None}


TerritoryFormSet = forms.formset_factory(
    TerritoryForm,
    formset=BaseTerritoryFormSet,
    extra=0,
    max_num=MAX_TERRITORIES,
    absolute_max=MAX_TERRITORIES,
    validate_max=True,
)


def territory_formset(
    data, *, territories: list[Territory], people: PeopleChoices
) -> BaseTerritoryFormSet:
    """The territory table: the posted rows, or else a row per territory."""
    initial = [{"country": row.country, "region": row.region} for row in territories]
    return TerritoryFormSet(
        data,
        initial=None if data is not None else initial,
        prefix="territory",
        form_kwargs={"people": people},
    )


class SharingForms:
    """The two ways of sharing leads out, side by side on one page: a POST fills
    the one its `method` names and leaves the other as the page shows it."""

    def __init__(self, data, *, territories: list[Territory], people: PeopleChoices):
        self.data, self.method = data, data.get("method") if data is not None else None
        self.round_robin = RoundRobinForm(self._if(Method.ROUND_ROBIN), people=people)
        self.by_territory = territory_formset(
            self._if(Method.TERRITORY), territories=territories, people=people
        )
        ways = {Method.ROUND_ROBIN: self.round_robin, Method.TERRITORY: self.by_territory}
        self.posted = ways.get(self.method)

    def _if(self, method: str):
        return self.data if self.method == method else None

    def is_valid(self) -> bool:
        return self.posted is not None and self.posted.is_valid()

    @property
    def refused(self) -> bool:
        """Something was posted, and it is not a way of sharing leads out as it should be."""
        return self.data is not None and not self.is_valid()
