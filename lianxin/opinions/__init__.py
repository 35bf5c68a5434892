"""Opinion groups (Pol.is maths) for consultation statements: plain Python, no Django."""

from lianxin.opinions.engine import OVERALL, Analysis, Group, Representative, StatementStat, analyse

__all__ = ["OVERALL", "Analysis", "Group", "Representative", "StatementStat", "analyse"]
