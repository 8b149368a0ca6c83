# Reference numbers for colead.analysis.evaluation.paired_change.
# Run from this directory: Rscript paired.R  (R 4.2; MBESS is not installed here, so the
# noncentral-t CI of d_z (Cumming & Finch 2001, as MBESS::ci.sm) is found by inverting
# pt(t, df, ncp) with uniroot; d_av's CI scales it as itns::cohensd_rm / Algina & Keselman 2003).
# pt() may warn "full precision may not have been achieved" while the bracket is widened to
# extreme ncp values; the roots agree with scipy's noncentral t to about 1e-11.
library(jsonlite)

nct_limits <- function(t, df, level = 0.95) {
  upper <- (1 + level) / 2
  solve <- function(prob) {
    f <- function(ncp) pt(t, df, ncp) - prob
    width <- 2 + abs(t)
    while (f(t - width) < 0 || f(t + width) > 0) width <- width * 2
    uniroot(f, c(t - width, t + width), tol = 1e-13)$root
  }
  c(solve(upper), solve(1 - upper))
}

data <- read.csv("paired_input.csv")
out <- list()
for (s in unique(data$set)) {
  d <- data[data$set == s, ]
  d <- d[complete.cases(d$pre, d$post), ]
  tt <- t.test(d$post, d$pre, paired = TRUE)
  n <- nrow(d)
  change <- d$post - d$pre
  lam <- nct_limits(unname(tt$statistic), n - 1)
  s_av <- (sd(d$pre) + sd(d$post)) / 2
  out[[s]] <- list(
    n = n, mean_pre = mean(d$pre), mean_post = mean(d$post),
    mean_change = mean(change), sd_change = sd(change),
    ci_lo = tt$conf.int[1], ci_hi = tt$conf.int[2],
    t = unname(tt$statistic), df = unname(tt$parameter), p = tt$p.value,
    d_z = mean(change) / sd(change), d_z_lo = lam[1] / sqrt(n), d_z_hi = lam[2] / sqrt(n),
    d_av = mean(change) / s_av,
    d_av_lo = lam[1] / sqrt(n) * sd(change) / s_av,
    d_av_hi = lam[2] / sqrt(n) * sd(change) / s_av
  )
}
write_json(out, "paired.out.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
