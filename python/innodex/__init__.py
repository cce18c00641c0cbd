"""innodex: innovation indicators, plan targets and the arithmetic behind them.

The numbers come from a Rust core (``innodex._core``); this package adds pandas frames,
matplotlib plots, progress bars and notebook comfort. Everything public is importable from
here; the areas also have their own modules: :mod:`innodex.plan`, :mod:`innodex.growth`,
:mod:`innodex.projection`, :mod:`innodex.sensitivity`, :mod:`innodex.index` and
:mod:`innodex.scale` (sweeps on Dask).

The same words mean the same things everywhere: ``seed`` (reproducible whatever the number of
threads), ``progress`` (a tqdm bar on long runs, off with ``progress=False``), ``threads``
(cap on the native threads, None for all cores; it never changes a number), ``quantiles``,
``n_paths`` (Monte Carlo paths). Sensitivity analysis keeps SALib's spellings (``N``,
``calc_second_order``, ``num_resamples``, ``conf_level``) so that SALib code ports one to one.
Wrong types raise ``TypeError`` and bad values an :class:`InnodexError` subclass, naming the
argument.

>>> import innodex
>>> plan = innodex.Plan.builtin()
>>> round(innodex.required_cagr(750, 1500, 2020, 2025), 9)
0.148698355
>>> len(plan.targets())
13
"""

from innodex import backtesting, datasets, index, ratio, scale, sensitivity
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
from innodex.index import (
    COINR_EXAMPLE,
    CompositeIndex,
    IndexResults,
    Panel,
    PanelResults,
    PCAResult,
    UncertaintyAnalysis,
    coinr_vignette_uncertainty,
    run_spec,
)
from innodex.plan import Plan
from innodex.projection import (
    Backtest,
    CalibrationResult,
    GrowthResult,
    Projection,
    RollingBacktest,
    Scenarios,
    backtest,
    calibrate,
    damped_holt,
    forecast,
    project,
    rolling_backtest,
    simulate_growth,
)
from innodex.runs import RunResult, check_file, run_file
from innodex.scale import (
    GrowthTask,
    IndexUncertaintyTask,
    PlanTask,
    RunFileTask,
    SobolTask,
    index_tasks,
    plan_tasks,
    province_tasks,
    run_file_tasks,
    run_tasks,
    sweep,
)
from innodex.sensitivity import (
    Grid,
    LogLinearTrend,
    MorrisResult,
    Problem,
    SensitivityWarning,
    SobolResult,
    Tornado,
    grid,
    lhs_sample,
    mc_sample,
    morris,
    morris_analyze,
    morris_sample,
    prob_beat_reference,
    project_share,
    required_numerator_growth,
    required_numerator_growth_vs_reference,
    share_growth,
    share_sensitivity,
    sobol,
    sobol_analyze,
    sobol_sample,
    tornado,
)

__all__ = [
    "RunResult",
    "run_file",
    "check_file",
    # modules
    "backtesting",
    "datasets",
    "index",
    "ratio",
    "scale",
    "sensitivity",
    # composite indices
    "COINR_EXAMPLE",
    "IndexResults",
    "Panel",
    "PanelResults",
    "PCAResult",
    "UncertaintyAnalysis",
    "coinr_vignette_uncertainty",
    "run_spec",
    # sensitivity and ratios
    "Grid",
    "LogLinearTrend",
    "MorrisResult",
    "Problem",
    "SensitivityWarning",
    "SobolResult",
    "Tornado",
    "grid",
    "lhs_sample",
    "mc_sample",
    "morris",
    "morris_analyze",
    "morris_sample",
    "prob_beat_reference",
    "project_share",
    "required_numerator_growth",
    "required_numerator_growth_vs_reference",
    "share_growth",
    "share_sensitivity",
    "sobol",
    "sobol_analyze",
    "sobol_sample",
    "tornado",
    # scale-out
    "GrowthTask",
    "IndexUncertaintyTask",
    "PlanTask",
    "RunFileTask",
    "SobolTask",
    "index_tasks",
    "plan_tasks",
    "province_tasks",
    "run_file_tasks",
    "run_tasks",
    "sweep",
    # projections
    "Backtest",
    "GrowthResult",
    "Projection",
    "Scenarios",
    "backtest",
    "damped_holt",
    "forecast",
    "project",
    "simulate_growth",
    "RollingBacktest",
    "CalibrationResult",
    "rolling_backtest",
    "calibrate",
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
