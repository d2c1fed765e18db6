"""The manager's ad connection pages at /settings/ad-connections/: the token is
encrypted in the database and never on a page once saved, only managers get in,
bad input is answered 400 with the fields' errors."""

import pytest
from django.db import connection as db
from django.urls import reverse

from crm.retargeting.crypto import token_decrypt
from crm.retargeting.models import AdConnection
from crm.retargeting.services import ad_connection_save

pytestmark = pytest.mark.django_db

LIST, NEW = reverse("ad_connections:list"), reverse("ad_connections:create")
TOKEN = "EAAB-secret-meta-token-5kQ9"
GOOGLE_TOKEN = "ya29.secret-google-token-Zz81"
FIELDS = ("platform", "name", "account_id", "login_customer_id", "developer_token")


def meta_form(**fields) -> dict:
    return {"platform": "meta", "name": "Meta EU", "account_id": "act_1234", **fields}


def google_form(**fields) -> dict:
    form = {
        "platform": "google_ads",
        "name": "Google Ads",
        "account_id": "123-456-7890",
        "login_customer_id": "",
        "developer_token": "dev-token-abc",
        "access_token": GOOGLE_TOKEN,
    }
    return {**form, **fields}


@pytest.fixture
def saved(manager_maria) -> AdConnection:
    return ad_connection_save(by=manager_maria, token=TOKEN, **_fields(meta_form()))


def _fields(form: dict) -> dict:
    return {key: form.get(key, "") for key in FIELDS}


def raw_row(pk: int) -> str:
    """Every column of the connection's row as the database holds it."""
    with db.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {AdConnection._meta.db_table} WHERE id = %s", [pk])
        return " ".join(str(value) for value in cursor.fetchone())


def test_a_saved_token_is_encrypted_in_the_database(maria):
    response = maria.post(NEW, meta_form(access_token=TOKEN))

    assert response.status_code == 302
    saved = AdConnection.objects.get()
    assert TOKEN not in raw_row(saved.pk)
    assert "5kQ9" not in saved.token_encrypted
    assert token_decrypt(saved.token_encrypted) == TOKEN
    assert saved.token_hint == "5kQ9"


def test_the_token_is_never_on_a_page_after_saving(maria):
    created = maria.post(NEW, meta_form(access_token=TOKEN), follow=True)
    saved = AdConnection.objects.get()

    pages = [created, maria.get(LIST), maria.get(saved.get_absolute_url())]

    for page in pages:
        assert page.status_code == 200
        assert TOKEN not in page.text
        assert "ends …5kQ9" in page.text


def test_editing_without_a_token_keeps_it_and_a_new_one_replaces_it(maria, saved):
    edit = saved.get_absolute_url()

    kept = maria.post(edit, meta_form(name="Meta — EU", access_token=""))
    saved.refresh_from_db()
    assert kept.status_code == 302
    assert saved.name == "Meta — EU" and token_decrypt(saved.token_encrypted) == TOKEN

    maria.post(edit, meta_form(access_token="EAAB-new-token-0007"))
    saved.refresh_from_db()
    assert token_decrypt(saved.token_encrypted) == "EAAB-new-token-0007"
    assert saved.token_hint == "0007"


def test_a_google_ads_connection_keeps_its_ids(maria):
    response = maria.post(NEW, google_form(login_customer_id="987-654-3210"))

    assert response.status_code == 302
    saved = AdConnection.objects.get()
    assert (saved.account_id, saved.login_customer_id) == ("123-456-7890", "987-654-3210")
    assert GOOGLE_TOKEN not in raw_row(saved.pk)


@pytest.mark.parametrize(
    ("form", "fields"),
    [
        (meta_form(access_token=""), {"access_token"}),
        (meta_form(name="", access_token=TOKEN), {"name"}),
        (meta_form(platform="myspace", access_token=TOKEN), {"platform"}),
        (meta_form(account_id="act_12x", access_token=TOKEN), {"account_id"}),
        (google_form(account_id="", developer_token=""), {"account_id", "developer_token"}),
        (google_form(login_customer_id="98765"), {"login_customer_id"}),
    ],
)
def test_bad_input_is_answered_400_with_the_fields_errors(maria, form, fields):
    response = maria.post(NEW, form)

    assert response.status_code == 400
    assert set(response.context["form"].errors) == fields
    assert 'class="error"' in response.text
    assert not AdConnection.objects.exists()
    assert form["access_token"] == "" or form["access_token"] not in response.text


def test_deleting_a_connection_asks_then_deletes(maria, saved):
    delete = reverse("ad_connections:delete", args=[saved.pk])

    assert maria.get(delete).status_code == 200
    assert maria.post(delete).status_code == 302
    assert not AdConnection.objects.exists()


def page_urls(saved: AdConnection) -> list[tuple[str, str]]:
    return [
        ("get", LIST),
        ("get", NEW),
        ("post", NEW),
        ("get", saved.get_absolute_url()),
        ("post", saved.get_absolute_url()),
        ("get", reverse("ad_connections:delete", args=[saved.pk])),
        ("post", reverse("ad_connections:delete", args=[saved.pk])),
        ("post", reverse("ad_connections:check", args=[saved.pk])),
    ]


@pytest.mark.parametrize("persona", ["rep_alice", "mailroom_max"])
def test_only_managers_reach_the_connection_pages(client, request, saved, persona):
    client.force_login(request.getfixturevalue(persona))

    for method, url in page_urls(saved):
        response = getattr(client, method)(url, meta_form(access_token="x"))
        assert response.status_code == 403, (method, url)
    assert AdConnection.objects.get().name == "Meta EU"


def test_signed_out_visitors_are_sent_to_log_in(client, saved):
    for method, url in page_urls(saved):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_settings_hub_links_the_connections(maria):
    assert LIST in maria.get(reverse("settings")).text
