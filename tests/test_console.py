"""The one table layout and the one progress bar the CLI uses."""

from __future__ import annotations

import pytest

from modelspec.console import Progress, text_table


def test_a_plain_table_aligns_each_column_and_drops_trailing_spaces():
    assert text_table(["epoch", "loss", "note"], [["1", "0.5", ""], ["10", "0.25", "best"]], ">>") == (
        "epoch  loss  note\n"
        "-----  ----  ----\n"
        "    1   0.5\n"
        "   10  0.25  best"
    )


def test_a_boxed_table_looks_like_keras_summary():
    assert text_table(["Layer", "Param #"], [["dense", "12"]], "<>", boxed=True).splitlines() == [
        "+-------+---------+",
        "| Layer | Param # |",
        "+=======+=========+",
        "| dense |      12 |",
        "+-------+---------+",
    ]


def test_a_row_of_another_width_is_refused():
    with pytest.raises(ValueError, match="every row needs 2 cells"):
        text_table(["a", "b"], [["1"]])


def test_progress_off_a_terminal_prints_plain_lines_only():
    said: list[str] = []
    with Progress(3, "trials", "trial", echo=said.append) as bar:  # pytest's stderr is no terminal
        assert not bar.on_terminal
        bar.update(2, "loss 1")
        bar.say("trial 0: complete")
    assert said == ["trial 0: complete"]


def test_progress_on_a_terminal_draws_a_bar_and_keeps_quiet(monkeypatch, capsys):
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    said: list[str] = []
    with Progress(4, "epoch 1/1", "batch", echo=said.append) as bar:
        assert bar.on_terminal
        bar.update(9, "loss 0.5")  # capped at the total
        bar.say("not for a terminal")
    assert said == []
    assert "epoch 1/1" in capsys.readouterr().err
