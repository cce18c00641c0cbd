# COINr's own uncertainty analysis of its sensitivity vignette on the ASEM example coin
# (COINr 1.1.x, vignettes/sensitivity.Rmd): winsorisation limit 1-5; min-max [1, 100] or
# z-score (10, 2); +-25 % noise on the level-2 and level-3 weights; arithmetic or geometric
# mean. Times get_sensitivity(SA_type = "UA") over N replications and prints one line:
#   COINr <version> N=<N> elapsed=<s> per_rebuild=<s>
# Run: Rscript benches/coinr/uncertainty.R [N]   (see benches/coinr/install.sh)
suppressPackageStartupMessages(library(COINr))
args <- commandArgs(trailingOnly = TRUE)
n <- if (length(args) >= 1) as.integer(args[[1]]) else 100L
set.seed(1)
coin <- build_example_coin(quietly = TRUE)
w_nom <- coin$Meta$Weights$Original
noise <- data.frame(Level = c(2, 3), NoiseFactor = c(0.25, 0.25))
specs <- list(
  Winmax = list(Address = "$Log$Treat$global_specs$f1_para$winmax",
                Distribution = 1:5, Type = "discrete"),
  Normalisation = list(Address = "$Log$Normalise$global_specs",
                       Distribution = list(
                         list(f_n = "n_minmax", f_n_para = list(c(1, 100))),
                         list(f_n = "n_zscore", f_n_para = list(c(10, 2)))),
                       Type = "discrete"),
  Weights = list(Address = "$Log$Aggregate$w",
                 Distribution = get_noisy_weights(w = w_nom, noise_specs = noise, Nrep = n),
                 Type = "discrete"),
  Aggregation = list(Address = "$Log$Aggregate$f_ag",
                     Distribution = c("a_amean", "a_gmean"), Type = "discrete")
)
elapsed <- system.time(
  res <- suppressMessages(get_sensitivity(coin, SA_specs = specs, N = n, SA_type = "UA",
                                          dset = "Aggregated", iCode = "Index"))
)[["elapsed"]]
cat(sprintf("COINr %s N=%d elapsed=%.4f per_rebuild=%.6f\n",
            as.character(packageVersion("COINr")), n, elapsed, elapsed / n))
