"""The GAN benchmarks' headline figures from synthetic rows: the mode-coverage headline names the
method that covers most modes on average (HQ breaks ties), per mixture, with that method's HQ."""

from __future__ import annotations

import pytest

from benchmarks.gan_frontiers import best_mode_method, modes_headline


def _row(mixture, method, seed, modes, hq):
    return {"mixture": mixture, "method": method, "seed": seed, "modes": modes, "hq": hq,
            "n_modes": 8 if mixture == "ring8" else 25}


def test_modes_headline_is_the_best_method_on_average_over_seeds():
    rows = [_row("grid25", "ns", 0, 25, 60.0), _row("grid25", "ns", 1, 10, 5.0),  # mean 17.5
            _row("grid25", "minibatch", 0, 24, 90.0), _row("grid25", "minibatch", 1, 25, 80.0),  # mean 24.5
            _row("ring8", "pacgan", 0, 8, 40.0), _row("ring8", "minibatch", 0, 8, 97.0)]  # tie on modes: HQ
    assert best_mode_method(rows, "grid25") == ("minibatch", 24.5, pytest.approx(0.85))
    head = modes_headline(rows)
    assert head == {"ring8_modes": 8.0, "ring8_hq": pytest.approx(0.97), "grid25_modes": 24.5,
                    "grid25_hq": pytest.approx(0.85)}
    assert "ring8_modes" not in modes_headline(rows[:4]) and best_mode_method(rows[:4], "ring8") is None


def _semi(draw, translate, acc, d_translate=None):
    row = {"split_seed": draw, "semi_supervised_accuracy": acc, "rounds": 100}
    row = {**row, "translate": translate} if translate is not None else row
    return {**row, "d_translate": d_translate} if d_translate is not None else row


def test_semisup_headline_is_the_best_recipe_over_the_most_label_draws():
    from benchmarks.gan_frontiers import _best_semisup, _recipe_label, _recipes

    rows = [_semi(0, None, 0.97), _semi(1, None, 0.96), _semi(2, 0, 0.98),  # old rows (no field) are translate 0
            _semi(0, 2, 0.99), _semi(1, 2, 0.985)]  # the better recipe, but one draw short
    assert list(_recipes(rows)) == ["", "translate2"] and len(_recipes(rows)[""]) == 3
    assert _best_semisup(rows) == ("", pytest.approx(0.97), 3)
    rows.append(_semi(2, 2, 0.98))
    assert _best_semisup(rows) == ("translate2", pytest.approx(0.985), 3)
    rows += [_semi(d, 0, 0.99, d_translate=2) for d in range(3)]  # a third recipe, shifts inside D
    assert list(_recipes(rows)) == ["", "dtranslate2", "translate2"]
    assert _best_semisup(rows) == ("dtranslate2", pytest.approx(0.99), 3)
    assert _recipe_label("") == "paper recipe" and "inside D" in _recipe_label("dtranslate2")
    assert _recipe_label("translate2", short=True) == " ±2px"
    assert _recipe_label("cons10") == "paper recipe + consistency term (weight 10)"
    rows += [{**_semi(d, 0, 0.995), "consistency_weight": 10.0} for d in range(3)]
    assert _best_semisup(rows) == ("cons10", pytest.approx(0.995), 3)
    rows += [{**_semi(d, 2, 0.997), "g_steps": 2} for d in range(3)]  # and two generator steps per round
    assert _best_semisup(rows) == ("translate2_g2", pytest.approx(0.997), 3)
    assert _recipe_label("translate2_g2") == ("paper recipe + random translations ±2 px of the real images + "
                                              "2 generator steps per round")
    rows += [{**_semi(d, 2, 0.998), "g_steps": 2, "data_init": True} for d in range(3)]  # improved-gan's init
    assert _best_semisup(rows) == ("translate2_g2_dinit1", pytest.approx(0.998), 3)
    assert _recipe_label("translate2_g2_dinit1").endswith("+ improved-gan's data-dependent init (D's noise on)")
    assert _best_semisup([]) is None
