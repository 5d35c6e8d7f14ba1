"""GAIL: a discriminator as the learned reward of an SB3 PPO policy."""
