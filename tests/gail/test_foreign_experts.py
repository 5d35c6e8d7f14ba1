"""Foreign SB3 zips (SAC, TD3, PPO) load without unpickling anything from the file, act as
SB3 itself would, reproduce the rl-zoo experts' returns on MuJoCo, and bad zips are one line."""

import json
import pickle
import zipfile
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from advrl.cli import main
from advrl.demos import load_demos
from advrl.gail.experts import ExpertPolicy
from advrl.gail.sb3_io import ObsNormalizer, load_policy, obs_norm_path

ROOT = Path(__file__).resolve().parents[2] / "experts"
ZOO = ("experts", "rl-zoo")
# HalfCheetah-v5, the rl-zoo SAC expert's deterministic actions: mean true return of 3 full episodes as the
# data's provider measured it (../shared/data/README.md: 9,431). A single rollout is chaotic: its first 300
# steps from reset seed 0 gave 2,458.8 on an AVX2 CPU and 2,492.6 on an AVX-512 one (1.4 % apart, the same
# under mujoco 4.0.0 and 4.0.1), while the 3-episode means (seeds 0-2) move by well under 1 % (mujoco 3.17
# against 4.0: 0.15 %; AVX-512: 9,488.6, +0.6 %). A wrong load (weights, squashing, action scale) is off by far
# more than the 2 % allowed.
HALFCHEETAH_3_EPISODES = 9431.0


def _zoo_zip(shared_data, env: str) -> Path:
    pytest.importorskip("mujoco", reason="gymnasium's MuJoCo envs are not installed (pip install -e '.[mujoco]')")
    return shared_data(*ZOO, f"sac-{env}-v3", f"{env}-v3.zip")


@pytest.fixture(autouse=True)
def _in_tmp_dir(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # mujoco writes MUJOCO_LOG.TXT into the working directory


@pytest.fixture
def no_unpickling(monkeypatch):
    """Any pickle/cloudpickle load while this is active fails the test."""
    import cloudpickle

    def refuse(*args, **kwargs):
        raise AssertionError("something was unpickled")

    for module in (pickle, cloudpickle):
        monkeypatch.setattr(module, "loads", refuse)
        monkeypatch.setattr(module, "load", refuse)


def _one_error_line(capsys, *names: str) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("advrl: error: "), err
    for name in names:
        assert name in err[0], err[0]
    return err[0]


def _sb3_zip(tmp_path: Path, algo: str, env_id: str = "Pendulum-v1", **policy_kwargs) -> tuple[Path, object]:
    import stable_baselines3 as sb3

    cls = {"sac": sb3.SAC, "td3": sb3.TD3, "ppo": sb3.PPO, "dqn": sb3.DQN}[algo]
    extra = {"buffer_size": 10, "learning_starts": 0} if algo != "ppo" else {"n_steps": 64}
    model = cls("MlpPolicy", env_id, policy_kwargs=policy_kwargs or None, seed=0, device="cpu", **extra)
    path = tmp_path / f"{algo}-{env_id}.zip"
    model.save(path)
    return path, model


def test_rl_zoo_sac_expert_loads_without_unpickling_and_reproduces_its_return(shared_data, no_unpickling):
    path = _zoo_zip(shared_data, "HalfCheetah")
    env = gym.make("HalfCheetah-v5")
    expert = ExpertPolicy(path, env)
    assert expert.algo == "sac" and expert.normalizer is None
    assert expert.model.net_arch == {"pi": [256, 256], "qf": [256, 256]}  # rl-zoo's SAC default, from the JSON
    returns = []
    for seed in range(3):
        obs, _ = env.reset(seed=seed)
        total, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(expert.act(obs))
            total, done = total + float(reward), terminated or truncated
        returns.append(total)
    assert np.mean(returns) == pytest.approx(HALFCHEETAH_3_EPISODES, rel=0.02)


def test_cli_rollout_of_rl_zoo_hopper_writes_native_demos(shared_data, no_unpickling, tmp_path, capsys):
    path = _zoo_zip(shared_data, "Hopper")
    out = tmp_path / "hopper.npz"
    assert main(["expert", "rollout", "--env", "Hopper-v5", "--policy", str(path), "--algo", "sac",
                 "--episodes", "1", "--out", str(out)]) == 0
    demos = load_demos(out, env="Hopper-v5")
    assert demos.n_episodes == 1 and demos.metadata["algo"] == "sac"
    assert demos.episode_returns[0] == pytest.approx(1099.4, rel=0.02)  # seed 0; it falls after ~330 steps
    assert "wrote" in capsys.readouterr().out
    assert main(["expert", "rollout", "--env", "Hopper-v5", "--policy", str(path), "--episodes", "1",
                 "--out", str(out)]) == 2  # the run contract: an existing output needs --overwrite
    _one_error_line(capsys, "hopper.npz")


@pytest.mark.parametrize("algo,kwargs", [
    ("sac", {"net_arch": {"pi": [24], "qf": [40, 8]}, "activation_fn": torch.nn.ELU}),
    ("td3", {"net_arch": [32, 16], "activation_fn": torch.nn.Tanh}),
    ("td3", {"net_arch": [32, 16]}),  # JSON policy_kwargs (nothing pickled)
    ("ppo", {"net_arch": {"pi": [16], "vf": [8]}, "activation_fn": torch.nn.ReLU}),
])
def test_foreign_zips_act_as_sb3_itself_without_unpickling(tmp_path, algo, kwargs, request):
    path, model = _sb3_zip(tmp_path, algo, **kwargs)
    request.getfixturevalue("no_unpickling")  # after SB3 made the zip: loading must unpickle nothing
    policy, found = load_policy(path, gym.make("Pendulum-v1"))
    assert found == algo
    obs = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
    np.testing.assert_allclose(policy.predict(obs, deterministic=True)[0], model.predict(obs, deterministic=True)[0],
                               atol=1e-6)


@pytest.mark.parametrize("algo,kwargs", [
    ("sac", {"activation_fn": torch.nn.ReLU, "clip_mean": 0.5}),
    ("sac", {"activation_fn": torch.nn.ReLU, "clip_mean": np.float32(0.5)}),  # not JSON: SB3 writes str() of it
    ("ppo", {"activation_fn": torch.nn.ReLU, "squash_output": True}),
])
def test_gsde_zips_with_pickled_kwargs_keep_what_changes_their_actions(tmp_path, algo, kwargs, request):
    """With an activation in ``policy_kwargs`` SB3 pickles the whole dict; the gSDE flags that change the
    deterministic action (SAC's mean clipping, PPO's squashing) are read from the JSON SB3 writes beside it."""
    import stable_baselines3 as sb3

    cls, extra = (sb3.SAC, {"buffer_size": 10, "learning_starts": 0}) if algo == "sac" else (sb3.PPO, {"n_steps": 64})
    model = cls("MlpPolicy", "Pendulum-v1", use_sde=True, policy_kwargs=kwargs, seed=0, device="cpu", **extra)
    with torch.no_grad():  # weights unlike SB3's small initial ones, so that clipping and squashing show
        for param in model.policy.parameters():
            param.normal_(0.0, 0.3, generator=torch.Generator().manual_seed(param.numel()))
    path = tmp_path / f"{algo}-gsde.zip"
    model.save(path)
    request.getfixturevalue("no_unpickling")
    policy, _ = load_policy(path, gym.make("Pendulum-v1"))
    obs = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
    np.testing.assert_allclose(policy.predict(obs, deterministic=True)[0], model.predict(obs, deterministic=True)[0],
                               atol=1e-5)


def test_observation_normalisation_beside_the_zip_is_applied_and_a_garbled_pickle_is_one_line(tmp_path, capsys):
    path, model = _sb3_zip(tmp_path, "td3")
    env = gym.make("Pendulum-v1")
    norm = ObsNormalizer(np.array([0.5, -0.5, 1.0]), np.array([4.0, 0.25, 9.0]))
    norm.save(obs_norm_path(path))
    obs = np.array([1.0, 0.0, -2.0], dtype=np.float32)
    np.testing.assert_allclose(ExpertPolicy(path, env).act(obs), model.predict(norm(obs), deterministic=True)[0],
                               atol=1e-6)
    obs_norm_path(path).unlink()
    (tmp_path / "vecnormalize.pkl").write_bytes(b"pickled statistics")  # (read safely: test_vecnormalize_pkl.py)
    assert main(["expert", "rollout", "--env", "Pendulum-v1", "--policy", str(path), "--episodes", "1",
                 "--out", str(tmp_path / "d.npz")]) == 2
    assert "not a readable VecNormalize pickle" in _one_error_line(capsys, "vecnormalize.pkl")
    assert not (tmp_path / "d.npz").exists()


def _rollout_error(capsys, tmp_path, policy: Path, env: str, *extra: str) -> str:
    out = tmp_path / "never.npz"
    assert main(["expert", "rollout", "--env", env, "--policy", str(policy), "--episodes", "1",
                 "--out", str(out), *extra]) == 2
    assert not out.exists()
    return _one_error_line(capsys, policy.name)


def test_truncated_zip_is_one_line(tmp_path, capsys):
    path, _ = _sb3_zip(tmp_path, "sac")
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 100):
        bad = tmp_path / f"cut{cut}.zip"
        bad.write_bytes(data[:cut])
        assert "not a readable stable-baselines3 policy zip" in _rollout_error(capsys, tmp_path, bad, "Pendulum-v1")


def test_zip_member_corrupted_is_one_line(tmp_path, capsys):
    path, _ = _sb3_zip(tmp_path, "sac")
    bad = tmp_path / "bad-weights.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, b"garbage" if item.filename == "policy.pth" else src.read(item.filename))
    _rollout_error(capsys, tmp_path, bad, "Pendulum-v1")


def test_zip_for_other_spaces_is_one_line(tmp_path, capsys):
    path, _ = _sb3_zip(tmp_path, "sac")  # Pendulum: 3 observations, 1 action
    assert "observation space" in _rollout_error(capsys, tmp_path, path, "MountainCarContinuous-v0")
    assert "Box" in _rollout_error(capsys, tmp_path, path, "CartPole-v1")  # SAC needs continuous actions


def test_rl_zoo_zip_on_another_mujoco_env_is_one_line(shared_data, tmp_path, capsys):
    path = _zoo_zip(shared_data, "Swimmer")
    assert "a policy for Swimmer-v3 by its name" in _rollout_error(capsys, tmp_path, path, "Hopper-v5")
    renamed = tmp_path / "policy.zip"  # without the name, the spaces tell
    renamed.write_bytes(path.read_bytes())
    assert "[8]" in _rollout_error(capsys, tmp_path, renamed, "Hopper-v5")


def test_unknown_or_wrong_algo_is_one_line(tmp_path, capsys):
    path, _ = _sb3_zip(tmp_path, "sac")
    assert "unknown algorithm" in _rollout_error(capsys, tmp_path, path, "Pendulum-v1", "--algo", "dqn")
    assert "not TD3" in _rollout_error(capsys, tmp_path, path, "Pendulum-v1", "--algo", "td3")
    dqn, _ = _sb3_zip(tmp_path, "dqn", "CartPole-v1")
    assert "dqn" in _rollout_error(capsys, tmp_path, dqn, "CartPole-v1")
    tampered = tmp_path / "tampered.zip"  # an algorithm the JSON names but this loader does not know
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "data":
                data = json.loads(body)
                data["policy_class"]["__module__"] = "sb3_contrib.tqc.policies"
                body = json.dumps(data).encode()
            dst.writestr(item, body)
    assert "sb3_contrib" in _rollout_error(capsys, tmp_path, tampered, "Pendulum-v1")


MUJOCO_DEMOS = {"HalfCheetah-v5": 9000.0, "Hopper-v5": 1000.0, "Swimmer-v5": 320.0}  # README figures, less ~5 %


@pytest.mark.parametrize("env_id", sorted(MUJOCO_DEMOS))
def test_shipped_mujoco_demos_are_expert_and_in_the_manifest(env_id):
    pytest.importorskip("mujoco", reason="gymnasium's MuJoCo envs are not installed (pip install -e '.[mujoco]')")
    rel = f"demos/{env_id}.npz"
    demos = load_demos(ROOT / rel, env=env_id)
    assert demos.n_episodes == 25 and demos.episode_returns.mean() > MUJOCO_DEMOS[env_id]
    with np.load(ROOT / rel, allow_pickle=False) as raw:
        assert raw["obs"].dtype == np.float32 and raw["next_obs"].dtype == np.float32
    assert (ROOT / rel).stat().st_size < 10_000_000
    entry = next(f for f in json.loads((ROOT / "MANIFEST.json").read_text())["files"] if f["path"] == rel)
    assert entry["source"].startswith("rl-zoo") and "--algo sac" in entry["command"]
    assert entry["mean_return"] == pytest.approx(demos.episode_returns.mean(), abs=0.01)
