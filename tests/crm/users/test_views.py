"""The manager's users page at /settings/users/: everyone with their role, inviting
someone (a real email through loopback SMTP, with a link that sets a password once
and lands them on their work), changing a role, reactivating someone."""

import pytest
from django.http import HttpRequest  # django-axes checks a login against its request
from django.urls import reverse

from crm.models import User
from crm.roles import Role
from tests.factories import LeadFactory, UserFactory
from tests.smtp_sink import link_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LIST, INVITE = reverse("users:list"), reverse("users:invite")


@pytest.fixture
def maria(client, manager_maria):
    client.force_login(manager_maria)
    return client


def invite(client, **fields):
    data = {"first_name": "Rita", "last_name": "Rep", "email": "rita@example.com", "role": "rep"}
    return client.post(INVITE, {**data, **fields})


def test_only_managers_see_the_users_pages(client, rep_alice, mailroom_max):
    for person in (rep_alice, mailroom_max):
        client.force_login(person)
        assert client.get(LIST).status_code == 403
        assert client.get(INVITE).status_code == 403
        assert invite(client).status_code == 403
    assert not User.objects.filter(email="rita@example.com").exists()


def test_the_list_shows_each_person_their_role_and_leads(maria, rep_alice, mailroom_max):
    LeadFactory.create_batch(3, owner=rep_alice)

    page = maria.get(LIST).text

    assert "Alice Rep" in page and "Max Mailroom" in page and "Maria Manager" in page
    assert '<option value="mailroom" selected>' in page
    assert '<td class="number">3</td>' in page


def test_an_invited_rep_gets_a_link_that_sets_their_password_once(
    maria, manager_maria, smtp, settings, client
):
    settings.SITE_URL = "http://testserver"

    response = invite(maria)

    assert response.status_code == 302
    rita = User.objects.get(email="rita@example.com")
    assert rita.is_rep and not rita.has_usable_password()
    [message] = smtp.to("rita@example.com")
    assert message["Subject"] == "Maria Manager invited you to the Follow-up CRM"
    assert "works once, for 3 days" in message.get_body(preferencelist=("plain",)).get_content()
    link = link_in(message, "http://testserver/password/set/")
    maria.logout()
    form = client.get(link, follow=True)
    assert "Set your password" in form.text
    landed = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-long-new-pass-4", "new_password2": "a-long-new-pass-4"},
        follow=True,
    )
    assert landed.redirect_chain[-1][0] == reverse("queue:next")
    assert client.login(
        request=HttpRequest(), username="rita@example.com", password="a-long-new-pass-4"
    )
    client.logout()
    assert "has been used or has expired" in client.get(link, follow=True).text


def test_an_invitation_with_bad_fields_is_a_400_with_their_errors(maria, rep_alice, smtp):
    response = invite(maria, email="not an email", first_name="", role="boss")

    assert response.status_code == 400
    assert "Enter a valid email address." in response.text
    assert "This field is required." in response.text
    assert "Select a valid choice." in response.text
    taken = invite(maria, email=rep_alice.email.upper())
    assert taken.status_code == 400
    assert "already has an account" in taken.text
    assert smtp.messages == []


def test_a_manager_changes_a_role(maria, rep_alice):
    response = maria.post(reverse("users:role", args=[rep_alice.pk]), {"role": Role.MAILROOM})

    assert response.status_code == 302
    rep_alice.refresh_from_db()
    assert list(rep_alice.groups.values_list("name", flat=True)) == [Role.MAILROOM]


def test_the_only_manager_cannot_stop_being_one(maria, manager_maria):
    response = maria.post(reverse("users:role", args=[manager_maria.pk]), {"role": Role.REP})

    assert response.status_code == 400
    assert "the only active manager" in response.text
    assert User.objects.get(pk=manager_maria.pk).is_manager


def test_a_reactivated_user_logs_in_again(maria, client, rep_alice):
    User.objects.filter(pk=rep_alice.pk).update(is_active=False)

    maria.post(reverse("users:reactivate", args=[rep_alice.pk]))

    maria.logout()
    assert client.login(request=HttpRequest(), username="alice", password="secret-pass-123")


def test_the_users_page_reads_in_a_few_queries(maria, django_assert_max_num_queries):
    for n in range(20):
        UserFactory(username=f"rep{n}", role=Role.REP)

    with django_assert_max_num_queries(8):
        assert maria.get(LIST).status_code == 200


def test_the_invitation_of_someone_deactivated_meanwhile_is_dead(
    maria, rep_alice, smtp, settings, client
):
    settings.SITE_URL = "http://testserver"
    invite(maria)
    link = link_in(smtp.to("rita@example.com")[0], "http://testserver/password/set/")
    User.objects.filter(email="rita@example.com").update(is_active=False)
    maria.logout()

    assert "has been used or has expired" in client.get(link, follow=True).text
