"""A figure of the period with its change against the previous period, written the French way
("+12", "−3,5 j": a true minus sign, which Streamlit would read as a rise), so the arrow and
its colour are set here from the change itself."""

from __future__ import annotations

from typing import Any

from ui import format as fmt


def change_style(delta: str | None, *, inverse: bool = False) -> dict[str, str]:
    """st.metric's delta_color and delta_arrow for a change written by fmt.change: up or down,
    green when it is good news ("inverse": a fall is good news, as for delays), grey for no
    change."""
    if delta is None or not delta.startswith(("+", fmt.MINUS)):
        return {"delta_color": "gray", "delta_arrow": "off"}
    rising = delta.startswith("+")
    good = rising != inverse
    return {"delta_color": "green" if good else "red", "delta_arrow": "up" if rising else "down"}


def change_tile(
    column: Any,
    label: str,
    value: str,
    current: float | None,
    previous: float | None,
    *,
    kind: str = "number",
    inverse: bool = False,
    help: str | None = None,
) -> None:
    """A bordered metric: the value, and its change against the previous period when known."""
    delta = fmt.change(current, previous, kind)
    style = change_style(delta, inverse=inverse) if delta is not None else {}
    column.metric(label, value, delta=delta, help=help, border=True, **style)
