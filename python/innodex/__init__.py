"""innodex: innovation indicators, plan targets and the arithmetic behind them.

The numbers come from a Rust core (``innodex._core``); this package adds pandas frames,
matplotlib plots and notebook comfort.

>>> import innodex
>>> plan = innodex.Plan.builtin()
>>> round(innodex.required_cagr(750, 1500, 2020, 2025), 9)
0.148698355
>>> len(plan.targets())
12
"""

from innodex._core import (
    CompositeIndexError,
    GrowthError,
    InnodexError,
    PlanError,
    ProjectionError,
    SensitivityError,
    __version__,
)
from innodex.growth import (
    cagr,
    compound_path,
    doubling_time,
    implied_baseline,
    linear_path,
    required_cagr,
    required_increment,
    rule_of_70,
    years_to_target,
)
from innodex.index import CompositeIndex
from innodex.plan import Plan
from innodex.projection import (
    Backtest,
    GrowthResult,
    Projection,
    Scenarios,
    backtest,
    damped_holt,
    forecast,
    project,
    simulate_growth,
)

__all__ = [
    "Backtest",
    "GrowthResult",
    "Projection",
    "Scenarios",
    "backtest",
    "damped_holt",
    "forecast",
    "project",
    "simulate_growth",
    "CompositeIndex",
    "CompositeIndexError",
    "GrowthError",
    "InnodexError",
    "Plan",
    "PlanError",
    "ProjectionError",
    "SensitivityError",
    "__version__",
    "cagr",
    "compound_path",
    "doubling_time",
    "implied_baseline",
    "linear_path",
    "required_cagr",
    "required_increment",
    "rule_of_70",
    "years_to_target",
]
