"""Lianxin (连心): a platform for grassroots mass work."""
