# Reference values for colead.analysis.psychometrics.mcdonald_omega.
# Run from this folder after alpha.R: Rscript omega.R   (R 4.2, lavaan 0.6-14, jsonlite)
# One-factor ML fits of the item correlation matrix by
#   stats::factanal(covmat = R, factors = 1, n.obs = n)          (psi bounded below by 0.005)
#   lavaan::cfa("f =~ ...", sample.cov = R, sample.nobs = n, std.lv = TRUE, estimator = "ML")
# and omega = (sum lambda)^2 / ((sum lambda)^2 + sum(1 - lambda^2)) from each.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})

omega_of <- function(l) sum(l)^2 / (sum(l)^2 + sum(1 - l^2))

one <- function(x, use, with_lavaan = TRUE) {
  if (use == "listwise") x <- na.omit(x)
  R <- cor(x, use = "pairwise")
  n <- sum(rowSums(!is.na(x)) >= 2)
  fa <- factanal(covmat = R, factors = 1, n.obs = n)
  lf <- as.numeric(fa$loadings[, 1])
  out <- list(
    n = n, items = colnames(x),
    factanal_loadings = as.list(setNames(lf, colnames(x))),
    factanal_uniquenesses = as.list(fa$uniquenesses),
    factanal_converged = fa$converged,
    factanal_omega = omega_of(lf)
  )
  if (with_lavaan) {
    model <- paste("f =~", paste(colnames(x), collapse = " + "))
    fit <- cfa(model, sample.cov = R, sample.nobs = n, std.lv = TRUE, estimator = "ML")
    ss <- standardizedSolution(fit)
    ll <- ss[ss$op == "=~", ]
    lv <- setNames(ll$est.std, ll$rhs)[colnames(x)]
    out$lavaan_loadings <- as.list(lv)
    out$lavaan_omega <- omega_of(lv)
    out$lavaan_converged <- lavInspect(fit, "converged")
  }
  out
}

bfi_a <- read.csv("bfi_agreeableness.csv")
bfi_a$A1 <- 7 - bfi_a$A1  # reverse keyed (1..6 scale), as keys = c(-1, 1, 1, 1, 1)
out <- list(
  omega4 = one(read.csv("omega4.csv"), "pairwise"),
  sim6_pairwise = one(read.csv("sim6.csv"), "pairwise"),
  sim6_listwise = one(read.csv("sim6.csv"), "listwise"),
  bfi_pairwise = one(bfi_a, "pairwise"),
  heywood3 = one(read.csv("heywood3.csv"), "pairwise", with_lavaan = FALSE)
)
out$versions <- list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "omega.out.json")
