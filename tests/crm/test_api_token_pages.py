"""The manager's API token pages at /settings/api-tokens/: every user's tokens,
creating one (its secret shown once, and working against the API at once) and
revoking one (the API refuses it from then on)."""

import datetime as dt
import hashlib
import logging
import re

import pytest
import time_machine
from django.forms.models import model_to_dict
from django.urls import reverse

from crm.api_tokens.services import api_token_create
from crm.models import ApiToken, Lead
from tests.crm.test_api import Api
from tests.crm.tracking.sites.pages import messages_of, rows
from tests.factories import LeadFactory, UserFactory

LIST, NEW = reverse("api_tokens:list"), reverse("api_tokens:create")
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
SECRET_ON_PAGE = re.compile(r'<pre class="email-text" id="api-token-secret"><code>([^<]+)</code>')


def revoke_url(token: ApiToken) -> str:
    return reverse("api_tokens:revoke", args=[token.pk])


def create(client, *, user, name="website forms"):
    return client.post(NEW, {"name": name, "user": user.pk})


def secret_on(response) -> str:
    found = SECRET_ON_PAGE.findall(response.text)
    assert len(found) == 1, "the secret is on the page exactly once"
    return found[0]


def api_reads_lead(client, secret: str, lead: Lead) -> int:
    return Api(client, secret).get(f"/api/leads/{lead.pk}/").status_code


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def alices_token(rep_alice):
    token, _secret = api_token_create(user=rep_alice, name="Webinar tool")
    return token


# Who may


def page_urls(token: ApiToken) -> list[tuple[str, str]]:
    revoke = revoke_url(token)
    return [("get", LIST), ("get", NEW), ("post", NEW), ("get", revoke), ("post", revoke)]


@pytest.mark.parametrize("persona", ["rep_alice", "mailroom_max"])
def test_api_token_pages_are_for_managers_only(client, alices_token, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    for method, url in page_urls(alices_token):
        response = getattr(client, method)(url, {"name": "Mine", "user": user.pk})
        assert response.status_code == 403, url
    assert list(ApiToken.objects.all()) == [alices_token]


def test_signed_out_people_are_sent_to_log_in(client, alices_token):
    for method, url in page_urls(alices_token):
        response = getattr(client, method)(url, {"name": "Mine"})
        assert response.status_code == 302 and response.url.startswith("/login/"), url
    assert list(ApiToken.objects.all()) == [alices_token]


def test_every_page_opens_for_a_manager_under_the_settings_tabs(maria, alices_token):
    for url in (LIST, NEW, revoke_url(alices_token)):
        response = maria.get(url)
        assert response.status_code == 200, url
        assert 'aria-label="Settings"' in response.text
        assert f'<a href="{LIST}" aria-current="page">API tokens</a>' in response.text


def test_the_other_settings_pages_have_an_api_tokens_tab(maria):
    for url in (reverse("sites:list"), reverse("scoring:list")):
        page = maria.get(url).text
        assert f'<a href="{LIST}" >API tokens</a>' in page, url


@pytest.mark.parametrize("pk", [0, 999, 10**30])
def test_an_unknown_token_is_404(maria, pk):
    assert maria.get(f"{LIST}{pk}/revoke/").status_code == 404
    assert maria.post(f"{LIST}{pk}/revoke/").status_code == 404


def test_each_page_takes_only_its_methods(maria, alices_token):
    assert maria.post(LIST).status_code == 405
    assert maria.put(NEW).status_code == 405
    assert maria.delete(revoke_url(alices_token)).status_code == 405
    assert ApiToken.objects.filter(pk=alices_token.pk).exists()


# The list


def test_the_list_shows_every_users_tokens_newest_first(maria, manager_maria, rep_alice, clock):
    clock.move_to(NOW - dt.timedelta(days=3))
    forms, _ = api_token_create(user=manager_maria, name="website forms")
    clock.move_to(NOW - dt.timedelta(hours=2))
    webinar, _ = api_token_create(user=rep_alice, name="Webinar tool")
    clock.move_to(NOW)
    ApiToken.objects.filter(pk=forms.pk).update(last_used_at=NOW - dt.timedelta(minutes=5))

    response = maria.get(LIST)

    assert rows(response) == [
        [
            "Webinar tool",
            "Alice Rep (alice)",
            f"{webinar.prefix}…",
            "2 hours ago",
            "never",
            "Revoke Webinar tool",
        ],
        [
            "website forms",
            "Maria Manager (maria)",
            f"{forms.prefix}…",
            "3 days ago",
            "5 minutes ago",
            "Revoke website forms",
        ],
    ]
    assert f'href="{revoke_url(webinar)}"' in response.text
    assert f'href="{NEW}"' in response.text
    assert forms.digest not in response.text and webinar.digest not in response.text


def test_the_list_marks_the_tokens_of_inactive_users_which_the_api_refuses(maria):
    gone = UserFactory(username="gone", first_name="", last_name="", is_active=False)
    api_token_create(user=gone, name="Old shop")

    assert rows(maria.get(LIST))[0][1] == "gone inactive"


@pytest.mark.parametrize("how_many", [1, 6])
def test_the_list_costs_the_same_queries_however_many_tokens(
    maria, how_many, django_assert_num_queries
):
    for number in range(how_many):
        api_token_create(user=UserFactory(), name=f"System {number}")

    # Session, user, roles, the tokens with their users, the nav's permissions (2).
    with django_assert_num_queries(6):
        response = maria.get(LIST)

    assert len(rows(response)) == how_many


def test_with_no_token_the_list_says_what_tokens_are_for(maria):
    response = maria.get(LIST)

    assert "No API token yet" in response.text
    assert "<code>POST /api/track/identify/</code>" in response.text
    assert "<code>POST /api/leads/</code>" in response.text
    assert f'<a href="{reverse("api:openapi-view")}">API documentation</a>' in response.text
    assert f'href="{NEW}">Create a token</a>' in response.text
    assert "<table" not in response.text


# Creating


def test_the_form_acts_as_the_manager_by_default_and_offers_active_users_only(
    maria, manager_maria, rep_alice
):
    UserFactory(username="gone", is_active=False)

    page = maria.get(NEW).text

    assert f'<option value="{manager_maria.pk}" selected>Maria Manager (maria)</option>' in page
    assert f'<option value="{rep_alice.pk}">Alice Rep (alice)</option>' in page
    assert "gone" not in page


def test_a_created_token_shows_its_secret_once_and_works_against_the_api(maria, client, rep_alice):
    response = create(maria, user=rep_alice, name="  Webinar tool ")

    assert response.status_code == 200
    secret = secret_on(response)
    assert "it will not be shown again" in response.text
    assert 'data-copy="api-token-secret" hidden>Copy</button>' in response.text
    assert "/static/js/copy_button.js" in response.text
    token = ApiToken.objects.get()
    assert (token.name, token.user, token.prefix) == ("Webinar tool", rep_alice, secret[:8])
    assert api_reads_lead(client, secret, LeadFactory(owner=rep_alice)) == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_reaches_what_the_user_it_acts_as_may(maria, client, rep_alice, rep_bob):
    secret = secret_on(create(maria, user=rep_alice))

    assert api_reads_lead(client, secret, LeadFactory(owner=rep_bob)) == 404


def test_the_secret_page_is_never_cached(maria, manager_maria):
    response = create(maria, user=manager_maria)

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_only_the_secrets_digest_is_stored(maria, manager_maria):
    secret = secret_on(create(maria, user=manager_maria))

    token = ApiToken.objects.get()
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(model_to_dict(token))


def test_the_secret_is_in_no_redirect_message_or_log(maria, manager_maria, caplog):
    with caplog.at_level(logging.DEBUG):
        response = create(maria, user=manager_maria)

    secret = secret_on(response)
    assert response.status_code == 200 and not response.has_header("Location")
    assert messages_of(response) == []
    assert secret not in caplog.text
    assert secret not in maria.get(LIST).text


def test_going_back_to_the_list_shows_the_new_token_without_its_secret(maria, manager_maria):
    secret = secret_on(create(maria, user=manager_maria))

    response = maria.get(LIST)

    assert rows(response)[0][:3] == ["website forms", "Maria Manager (maria)", f"{secret[:8]}…"]
    assert secret not in response.text


@pytest.mark.parametrize(
    "name, error",
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("x" * 101, "Ensure this value has at most 100 characters (it has 101)."),
        ("nul\x00byte", "Null characters are not allowed."),
    ],
)
def test_a_bad_name_is_answered_400_with_its_error(maria, manager_maria, name, error):
    response = create(maria, user=manager_maria, name=name)

    assert response.status_code == 400
    assert response.context["form"].errors == {"name": [error]}
    assert "api-token-secret" not in response.text
    assert not ApiToken.objects.exists()


def test_a_name_of_100_characters_after_stripping_is_kept(maria, manager_maria):
    assert create(maria, user=manager_maria, name=f"  {'x' * 100}  ").status_code == 200
    assert ApiToken.objects.get().name == "x" * 100


@pytest.mark.parametrize("user", ["", "abc", "999999", str(10**30), "-1", "inactive"])
def test_a_user_who_is_not_an_active_user_is_answered_400(maria, user):
    if user == "inactive":
        user = UserFactory(username="gone", is_active=False).pk

    response = maria.post(NEW, {"name": "website forms", "user": user})

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["user"]
    assert not ApiToken.objects.exists()


def test_a_form_without_its_fields_is_answered_400(maria):
    response = maria.post(NEW, {})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "user"}


# Revoking


def test_revoking_asks_first_and_changes_nothing_until_confirmed(maria, alices_token):
    response = maria.get(revoke_url(alices_token))

    assert "Revoke “Webinar tool”?" in response.text
    assert f"<code>{alices_token.prefix}…</code>, acting as Alice Rep" in response.text
    assert "never used" in response.text
    assert '<form method="post" class="card">' in response.text
    assert ApiToken.objects.filter(pk=alices_token.pk).exists()


def test_a_revoked_token_is_refused_by_the_api(maria, client, rep_alice):
    token, secret = api_token_create(user=rep_alice, name="Webinar tool")
    lead = LeadFactory(owner=rep_alice)
    assert api_reads_lead(client, secret, lead) == 200

    response = maria.post(revoke_url(token))

    assert response.status_code == 302 and response.url == LIST
    assert messages_of(response) == [
        f"Revoked “Webinar tool” ({token.prefix}…): the API refuses it now."
    ]
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert api_reads_lead(client, secret, lead) == 401


def test_revoking_one_token_leaves_the_others_working(maria, client, rep_alice, alices_token):
    _other, secret = api_token_create(user=rep_alice, name="Shop")

    maria.post(revoke_url(alices_token))

    assert api_reads_lead(client, secret, LeadFactory(owner=rep_alice)) == 200
    assert [row[0] for row in rows(maria.get(LIST))] == ["Shop"]


def test_revoking_twice_is_404_the_second_time(maria, alices_token):
    url = revoke_url(alices_token)

    assert maria.post(url).status_code == 302
    assert maria.post(url).status_code == 404
