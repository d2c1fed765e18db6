"""Reading rendered PDFs back the way a person holding the paper would: what text is
printed where. pdfplumber measures in points from the top-left corner of the page."""

import io
from dataclasses import dataclass

import pdfplumber

INCH = 72.0
MM = 72.0 / 25.4


@dataclass(frozen=True)
class Rect:
    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def holds(self, item: dict, slack: float = 0.01) -> bool:
        return (
            item["x0"] >= self.left - slack
            and item["x1"] <= self.right + slack
            and item["top"] >= self.top - slack
            and item["bottom"] <= self.bottom + slack
        )


@dataclass(frozen=True)
class Page:
    words: list[dict]
    chars: list[dict]
    images: list[dict]

    def text(self) -> str:
        return " ".join(word["text"] for word in self.words)

    def words_where(self, keep) -> list[str]:
        return [word["text"] for word in self.words if keep(word)]

    def chars_where(self, keep) -> list[dict]:
        return [char for char in self.chars if char["text"].strip() and keep(char)]


def read_pdf(data: bytes) -> list[Page]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        # Small fonts have narrow spaces: a tight tolerance keeps words apart.
        return [
            Page(
                words=page.extract_words(x_tolerance=1, y_tolerance=1),
                chars=list(page.chars),
                images=list(page.images),
            )
            for page in pdf.pages
        ]


def words(lines: list[str]) -> list[str]:
    return " ".join(lines).split()


def pdf_text(data: bytes) -> str:
    """All the text of a PDF, its pages joined."""
    return " ".join(page.text() for page in read_pdf(data))
