"""Fixed rectangles on paper (envelope windows, label cells), in points."""

from dataclasses import dataclass

from mailings.letters.fitting import Fit, fit_lines

INCH = 72.0
MM = 72.0 / 25.4


@dataclass(frozen=True)
class Box:
    """A rectangle from the page's top-left corner, and the padding kept clear inside."""

    left: float
    top: float
    width: float
    height: float
    padding: tuple[float, float, float, float] = (2.0, 2.0, 2.0, 2.0)  # top right bottom left

    @property
    def inner_width(self) -> float:
        return self.width - self.padding[1] - self.padding[3]

    @property
    def inner_height(self) -> float:
        return self.height - self.padding[0] - self.padding[2]

    def fit(self, lines: list[str], **sizes: float) -> Fit:
        return fit_lines(lines, width=self.inner_width, height=self.inner_height, **sizes)

    def css(self, *, origin: tuple[float, float] = (0.0, 0.0), extra_top: float = 0.0) -> str:
        """Declarations placing this box (border-box sizing) relative to `origin`;
        `extra_top` moves the content down inside it, e.g. to align it at the bottom."""
        top, right, bottom, left = self.padding
        return (
            f"left: {pt(self.left - origin[0])}; top: {pt(self.top - origin[1])}; "
            f"width: {pt(self.width)}; height: {pt(self.height)}; "
            f"padding: {pt(top + extra_top)} {pt(right)} {pt(bottom)} {pt(left)};"
        )


def pt(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") + "pt"
