"""A letter can load data: URLs and files under static/letters/, and nothing else."""

import base64
import io
from urllib.parse import quote

import pytest
from PIL import Image

from mailings.letters import fetcher
from mailings.letters.fetcher import FetchRefused, locked_url_fetcher
from mailings.letters.pdf import Letter, render_letters_pdf
from tests.mailings.letters.reading import read_pdf

STATIC = "https://letters.invalid/static/"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def static_dir(settings, tmp_path):
    """A static folder with letters/logo.png, a file beside letters/, and a symlink in
    letters/ that points outside."""
    root = tmp_path / "static"
    (root / "letters").mkdir(parents=True)
    (root / "letters" / "logo.png").write_bytes(png())
    (root / "secret.txt").write_text("not for letters")
    (tmp_path / "outside.png").write_bytes(png())
    (root / "letters" / "escape.png").symlink_to(tmp_path / "outside.png")
    (root / "letters" / "up").symlink_to(root)
    settings.STATICFILES_DIRS = [root]
    return root


@pytest.fixture
def fetches(monkeypatch) -> list[tuple[str, str]]:
    """Every URL WeasyPrint asks the fetcher for, and whether it was served."""
    calls: list[tuple[str, str]] = []
    real = fetcher.locked_url_fetcher

    def spy(url, *args, **kwargs):
        try:
            result = real(url, *args, **kwargs)
        except FetchRefused:
            calls.append((url, "refused"))
            raise
        calls.append((url, "served"))
        return result

    monkeypatch.setattr(fetcher, "locked_url_fetcher", spy)
    return calls


def render(body: str, *, css: str = "", recipient: list[str] | None = None) -> bytes:
    letter = Letter(recipient or ["Jane Public", "1 Main St", "SPRINGFIELD IL 62701"], body, css)
    return render_letters_pdf([letter], paper="letter", sender=[])


def test_data_urls_are_served():
    assert locked_url_fetcher("data:text/plain;base64,aGVsbG8=") == {
        "string": b"hello",
        "mime_type": "text/plain",
        "redirected_url": "data:text/plain;base64,aGVsbG8=",
    }
    assert locked_url_fetcher("data:,hello%20world")["string"] == b"hello world"


def test_files_under_static_letters_are_served(static_dir):
    result = locked_url_fetcher(f"{STATIC}letters/logo.png")

    assert result["string"] == (static_dir / "letters" / "logo.png").read_bytes()
    assert result["mime_type"] == "image/png"
    assert result["redirected_url"] == f"{STATIC}letters/logo.png"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/logo.png",
        "ftp://example.com/logo.png",
        "gopher://example.com/",
        "/etc/passwd",
        "letters/logo.png",
        f"{STATIC}../../etc/passwd",
        f"{STATIC}letters/%2e%2e/secret.txt",
        f"{STATIC}letters/..%2fsecret.txt",
        f"{STATIC}letters/up/secret.txt",
        f"{STATIC}letters/escape.png",
        f"{STATIC}letters/",
        f"{STATIC}secret.txt",
        "http://letters.invalid/static/letters/logo.png",
        "https://letters.invalid:8443/static/letters/logo.png",
        "https://user@letters.invalid/static/letters/logo.png",
        "https://letters.invalid.example.com/static/letters/logo.png",
        "data:text/plain;base64",
    ],
)
def test_everything_else_is_refused(static_dir, url):
    with pytest.raises(FetchRefused):
        locked_url_fetcher(url)


def test_markup_in_an_address_prints_as_text_and_is_never_fetched(fetches):
    pdf = render("<p>Hello</p>", recipient=["Jane", '<img src="file:///etc/passwd">', "Town"])

    assert "<img src=" in read_pdf(pdf)[0].text()
    assert fetches == []


def test_template_css_and_body_reach_neither_files_nor_the_network(fetches):
    css = (
        "@import url(file:///etc/passwd);\n"
        "p { background: url(http://169.254.169.254/latest/meta-data/) }"
    )
    body = (
        "<p>Hello there</p>"
        '<img src="file:///etc/passwd" alt="">'
        '<img src="passwd" alt="">'
        '<link rel="stylesheet" href="file:///etc/passwd">'
    )

    pdf = render(body, css=css)

    assert "Hello there" in read_pdf(pdf)[0].text()
    asked = [url for url, _outcome in fetches]
    assert "http://169.254.169.254/latest/meta-data/" in asked
    assert "file:///etc/passwd" in asked
    # A relative URL resolves against the static base, never the working directory.
    assert f"{STATIC}passwd" in asked
    assert all(outcome == "refused" for _url, outcome in fetches)


def test_data_images_render(fetches):
    source = "data:image/png;base64," + base64.b64encode(png()).decode()

    pdf = render(f'<p>Logo</p><img src="{source}" style="width: 1in">')

    assert len(read_pdf(pdf)[0].images) == 1
    assert fetches == [(source, "served")]


def test_a_static_letters_image_renders_from_a_relative_url(static_dir, fetches):
    pdf = render('<p>Logo</p><img src="letters/logo.png" style="width: 1in">')

    assert len(read_pdf(pdf)[0].images) == 1
    assert fetches == [(f"{STATIC}letters/logo.png", "served")]


def test_an_svg_data_image_cannot_reach_files(fetches):
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<image href="file:///etc/passwd" width="10" height="10"/></svg>'
    )
    source = "data:image/svg+xml," + quote(svg)

    pdf = render(f'<p>Picture</p><img src="{source}" style="width: 1in">')

    assert "Picture" in read_pdf(pdf)[0].text()
    assert ("file:///etc/passwd", "refused") in fetches
    assert all(url.startswith("data:") for url, outcome in fetches if outcome == "served")
