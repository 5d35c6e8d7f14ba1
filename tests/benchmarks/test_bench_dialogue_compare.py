"""AdverSuc's bootstrap: seeds pooled per context, a paired ratio interval that
holds the ratio, and the headline figures of the adversarial group over MLE."""

from __future__ import annotations

import pytest

from benchmarks.dialogue_compare import bootstrap, group_of, headline, per_seed


def test_bootstrap_pools_seeds_per_context_and_pairs_the_ratio():
    mle = [[1.0] * 10 + [0.0] * 90]  # AdverSuc 0.10
    adv = [[1.0] * 25 + [0.0] * 75, [1.0] * 15 + [0.0] * 85]  # seeds 0.25 and 0.15: pooled 0.20
    out = bootstrap({"mle": mle, "adversarial": adv})
    assert out["mle"]["adversuc"] == pytest.approx(0.10) and out["mle"]["seeds"] == 1
    a = out["adversarial"]
    assert a["adversuc"] == pytest.approx(0.20) and a["seeds"] == 2
    assert a["ratio"] == pytest.approx(2.0)
    assert a["ci_low"] < 0.20 < a["ci_high"] and a["ratio_low"] < 2.0 < a["ratio_high"]
    # the contexts an adversarial seed wins are those MLE wins too (paired): the ratio's interval is narrow
    assert a["ratio_low"] > 1.2
    assert bootstrap({"mle": mle, "adversarial": adv}) == out  # seeded


def test_headline_takes_the_adversarial_group_mean_over_mle():
    rows = [{"system": "mle", "decode": "greedy", "distinct2": 0.10},
            {"system": "adversarial (seed 0)", "decode": "greedy", "distinct2": 0.14},
            {"system": "adversarial (seed 1)", "decode": "greedy", "distinct2": 0.12}]
    result = {"rows": rows, "perplexity": {"mle": 35.0, "adversarial (seed 0)": 36.0, "adversarial (seed 1)": 38.0},
              "summary": {"greedy": {"mle": {"adversuc": 0.1}, "adversarial": {"adversuc": 0.2, "ratio": 2.0}}}}
    hl = headline(result, "greedy")
    assert hl == pytest.approx({"adversuc_ratio": 2.0, "distinct2_gain": 0.03, "perplexity_ratio": 37.0 / 35.0})
    assert group_of("heuristic (seed 3)") == "heuristic" and headline({**result, "summary": {"greedy": {}}},
                                                                      "greedy") == {}


def test_value_baseline_runs_form_their_own_group_outside_the_headline():
    rows = [{"system": "mle", "decode": "greedy", "distinct2": 0.10, "adversuc": 0.02},
            {"system": "adversarial (seed 0)", "decode": "greedy", "distinct2": 0.14, "adversuc": 0.04},
            {"system": "adversarial with value baseline (seed 0)", "decode": "greedy", "distinct2": 0.30,
             "adversuc": 0.01}]
    result = {"rows": rows, "perplexity": {"mle": 35.0, "adversarial (seed 0)": 36.0,
                                           "adversarial with value baseline (seed 0)": 70.0},
              "summary": {"greedy": {"mle": {"adversuc": 0.02}, "adversarial": {"adversuc": 0.04, "ratio": 2.0}}}}
    assert group_of("adversarial with value baseline (seed 0)") == "adversarial with value baseline"
    assert headline(result, "greedy") == pytest.approx(
        {"adversuc_ratio": 2.0, "distinct2_gain": 0.04, "perplexity_ratio": 36.0 / 35.0})
    assert per_seed(result, "greedy") == ("adversarial (seed 0) 0.040 (2.00×); "
                                          "adversarial with value baseline (seed 0) 0.010 (0.50×)")
