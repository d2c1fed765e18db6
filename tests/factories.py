import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from crm.models import Campaign, Interaction, Lead, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-123")

    @factory.post_generation
    def role(self, create, role_name, **kwargs):
        if create and role_name:
            self.groups.add(Group.objects.get(name=role_name))
        self.save()


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Expo {2020 + n}")
    kind = Campaign.Kind.EVENT
    country = "US"


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    company = factory.Faker("company")
    country = "US"
    time_zone = "America/New_York"


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    lead = factory.SubFactory(LeadFactory)
    kind = Interaction.Kind.NOTE
    occurred_at = factory.LazyFunction(timezone.now)
