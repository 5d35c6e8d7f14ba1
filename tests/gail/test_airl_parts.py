"""AIRL's discriminator: logit = f − log π with f = g(s, a) + γ·h(s') − h(s); h is a
state-only potential (its terms cancel around a loop), a done zeroes γ·h(s'), the
absorbing state has potential 0 (and log π 0)."""

import gymnasium as gym
import pytest
import torch

from advrl.gail import RewardNetConfig
from advrl.gail.airl import AIRLRewardNet

OBS, ACT = 3, 1


def _net(gamma: float, absorbing: bool = False) -> AIRLRewardNet:
    env = gym.make("Pendulum-v1")
    net = AIRLRewardNet(RewardNetConfig.for_spaces(env.observation_space, env.action_space, absorbing=absorbing))
    torch.manual_seed(0)
    with torch.no_grad():  # both output layers start at zero: make g and h non-trivial
        net.g.mlp[-1].weight.normal_()
        net.h[-1].weight.normal_()
        net.h[-1].bias.fill_(0.3)
    net.bind_policy(lambda obs, acts: acts.sum(1) ** 2 - 1.0, gamma)  # a stand-in for log π(a|s)
    return net.eval()


def _batch(obs, acts, next_obs, dones=None, absorbing=None):
    n = len(obs)
    return {"obs": obs, "acts": acts, "next_obs": next_obs,
            "dones": torch.zeros(n) if dones is None else dones,
            "absorbing": torch.zeros(n) if absorbing is None else absorbing}


def test_logit_is_f_minus_log_pi_and_f_minus_g_is_the_potential_difference():
    net, gamma = _net(0.9), 0.9
    obs, nxt, acts = torch.randn(32, OBS), torch.randn(32, OBS), torch.rand(32, ACT) * 4 - 2
    batch = _batch(obs, acts, nxt)
    with torch.no_grad():
        f, logit, g = net.shaped_reward(batch), net(batch), net.g(batch)
        h, h_next = net.h(net._norm_obs(obs)).squeeze(1), net.h(net._norm_obs(nxt)).squeeze(1)
    assert torch.allclose(logit, f - (acts.sum(1) ** 2 - 1.0), atol=1e-5)
    assert torch.allclose(f - g, gamma * h_next - h, atol=1e-5)
    # h is state-only: other actions change g (and log π), never the shaping term
    other = _batch(obs, -acts, nxt)
    with torch.no_grad():
        assert torch.allclose(net.shaped_reward(other) - net.g(other), f - g, atol=1e-5)
        assert not torch.allclose(net.g(other), g)


def test_potential_terms_cancel_around_a_loop():
    """With γ = 1, Σ f over a closed loop s0 → s1 → ... → s0 equals Σ g: the shaping
    γh(s') − h(s) telescopes away, whatever h learned."""
    net = _net(1.0)
    states = torch.randn(7, OBS)
    loop = _batch(states, torch.rand(7, ACT), torch.roll(states, -1, 0))
    with torch.no_grad():
        f, g = net.shaped_reward(loop), net.g(loop)
        assert (f - g).abs().max() > 0.1  # the shaping is not zero step by step ...
        assert abs(float(f.sum() - g.sum())) < 1e-4  # ... but sums to zero around the loop


def test_done_zeroes_the_next_potential_and_the_absorbing_state_is_g_alone():
    net = _net(0.9, absorbing=True)
    obs, nxt, acts = torch.randn(4, OBS), torch.randn(4, OBS), torch.rand(4, ACT)
    with torch.no_grad():
        ended = _batch(obs, acts, nxt, dones=torch.ones(4))
        h = net.h(net._norm_obs(obs)).squeeze(1)
        assert torch.allclose(net.shaped_reward(ended), net.g(ended) - h, atol=1e-5)
        zeros = torch.zeros(4, OBS)
        absorbing = _batch(zeros, torch.zeros(4, ACT), zeros, dones=torch.ones(4), absorbing=torch.ones(4))
        assert torch.allclose(net(absorbing), net.g(absorbing), atol=1e-5)  # potential 0, log π 0


def test_unbound_net_says_so():
    env = gym.make("Pendulum-v1")
    net = AIRLRewardNet(RewardNetConfig.for_spaces(env.observation_space, env.action_space))
    with pytest.raises(RuntimeError, match="bind_policy"):
        net(_batch(torch.zeros(2, OBS), torch.zeros(2, ACT), torch.zeros(2, OBS)))


def test_gradient_penalty_runs_on_the_airl_embedding():
    from advrl.core import gradient_penalty

    net = _net(0.9, absorbing=True).train()
    real = _batch(torch.randn(8, OBS), torch.rand(8, ACT), torch.randn(8, OBS))
    fake = _batch(torch.randn(8, OBS), torch.rand(8, ACT), torch.randn(8, OBS))
    gp = gradient_penalty(net, real, fake, target=0.0)
    gp.backward()
    assert torch.isfinite(gp) and net.h[0].weight.grad is not None


def test_state_only_g_ignores_the_action_and_its_numpy_copy_agrees():
    from advrl.gail.reward_net import NumpyRewardNet

    env = gym.make("Pendulum-v1")
    cfg = RewardNetConfig.for_spaces(env.observation_space, env.action_space, use_action=False)
    net = AIRLRewardNet(cfg)
    assert net.g.mlp[0].in_features == OBS and net.g.act_norm is None  # no action columns, no action statistics
    with torch.no_grad():
        net.g.mlp[-1].weight.normal_()
    obs, acts = torch.randn(16, OBS), torch.rand(16, ACT) * 4 - 2
    with torch.no_grad():
        g, g_other = net.g(_batch(obs, acts, obs)), net.g(_batch(obs, -acts, obs))
    assert torch.equal(g, g_other) and g.std() > 0
    frozen = NumpyRewardNet(net.g.eval())
    assert torch.allclose(torch.as_tensor(frozen.logits(obs.numpy(), acts.numpy())), net.g(_batch(obs, acts, obs)),
                          atol=1e-5)


def test_saved_f_is_the_shaped_reward_without_log_pi(tmp_path):
    from advrl.gail import LearnedReward
    from advrl.gail.shaped_reward import ShapedRewardNet

    net = _net(0.95, absorbing=True)
    obs, acts, nxt = torch.randn(16, OBS), torch.rand(16, ACT) * 4 - 2, torch.randn(16, OBS)
    dones, absorbing = (torch.arange(16) % 5 == 0).float(), (torch.arange(16) % 7 == 0).float()
    with torch.no_grad():
        f = net.shaped_reward(_batch(obs, acts, nxt, dones, absorbing))
        assert not torch.allclose(f, net(_batch(obs, acts, nxt, dones, absorbing)))  # the logit has − log π
    path = LearnedReward(net.frozen(), "logit", "Pendulum-v1").save(tmp_path / "reward_net.pt")
    loaded = LearnedReward.load(path)
    assert isinstance(loaded.net, ShapedRewardNet) and loaded.net.gamma == 0.95
    got = loaded(obs.numpy(), acts.numpy(), nxt.numpy(), dones.numpy(), absorbing.numpy())
    assert torch.allclose(torch.as_tensor(got), f, atol=1e-5)
    # f needs s' and the done flags: left out, one clear error (not s' = s, which is another reward)
    from advrl.core import UserError

    with pytest.raises(UserError, match="needs next_obs"):
        loaded(obs.numpy(), acts.numpy())
    with pytest.raises(UserError, match="needs dones"):
        loaded.logits(obs.numpy(), acts.numpy(), nxt.numpy())


def test_gradient_penalty_sees_the_slope_of_f_not_the_potential_value():
    """The loop's zero-centred gradient penalty differentiates D's embedding. The done /
    absorbing masks and log π are columns of it but not inputs of f: with g ≡ 0 and a
    constant potential h ≡ 5 (no slope anywhere) the penalty must be 0, where taking the
    masks as inputs would charge ∂f/∂keep = −h(s) and ∂f/∂cont = γh(s'), i.e. h's values."""
    from advrl.core.loop import gradient_penalty

    net = _net(0.9, absorbing=True)
    with torch.no_grad():
        net.g.mlp[-1].weight.zero_()
        net.h[-1].weight.zero_()
        net.h[-1].bias.fill_(5.0)
    obs, acts = torch.randn(64, OBS), torch.rand(64, ACT) * 4 - 2
    dones = (torch.arange(64) % 5 == 0).float()
    absorbing = (torch.arange(64) % 7 == 0).float()
    real = _batch(obs, acts, torch.randn(64, OBS), dones, absorbing)
    fake = _batch(torch.randn(64, OBS), -acts, torch.randn(64, OBS))
    with torch.no_grad():
        assert (net.shaped_reward(real) - net.g(real)).abs().max() > 4  # h's value is in f ...
    assert float(gradient_penalty(net, real, fake, target=0.0).detach()) < 1e-10  # ... but f has no slope
    with torch.no_grad():  # a potential with a slope is penalised
        net.h[-1].weight.normal_()
    assert float(gradient_penalty(net, real, fake, target=0.0).detach()) > 1e-3
