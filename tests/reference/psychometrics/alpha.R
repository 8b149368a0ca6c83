# Reference values for colead.analysis.psychometrics.cronbach_alpha.
# Run from this folder: Rscript alpha.R   (R 4.2, psych 2.2.9, jsonlite)
# Writes bfi_agreeableness.csv (psych::bfi items A1-A5, unreversed) and alpha.out.json.
suppressPackageStartupMessages({library(psych); library(jsonlite)})

if (!file.exists("bfi_agreeableness.csv")) {
  write.csv(psych::bfi[, c("A1", "A2", "A3", "A4", "A5")], "bfi_agreeableness.csv",
            row.names = FALSE, na = "NA")
}
bfi_a <- read.csv("bfi_agreeableness.csv")
sim6 <- read.csv("sim6.csv")
constant <- read.csv("constant.csv")

one <- function(x, keys = NULL) {
  # psych::alpha(x, keys, use = "pairwise") is psych's default; listwise is na.omit first.
  r <- suppressWarnings(psych::alpha(x, keys = keys, use = "pairwise"))
  items <- sub("-$", "", rownames(r$alpha.drop))
  n_ge2 <- sum(rowSums(!is.na(x)) >= 2)
  a <- r$total$raw_alpha
  ci_n2 <- psych:::alpha.ci(a, n_ge2, r$nvar)
  list(
    alpha = a,
    feldt_lower = as.numeric(unlist(r$feldt$lower.ci)),
    feldt_upper = as.numeric(unlist(r$feldt$upper.ci)),
    psych_n = nrow(x),             # psych's Feldt interval uses every row of x
    n_ge2 = n_ge2,                 # rows with at least two answers
    feldt_lower_n_ge2 = as.numeric(unlist(ci_n2$lower.ci)),
    feldt_upper_n_ge2 = as.numeric(unlist(ci_n2$upper.ci)),
    k = r$nvar,
    items = items,
    r_drop = as.list(setNames(r$item.stats$r.drop, items)),
    alpha_if_deleted = as.list(setNames(r$alpha.drop$raw_alpha, items))
  )
}

keys <- c(-1, 1, 1, 1, 1)  # A1 is reverse keyed, as in ?psych::alpha / ?bfi
out <- list(
  bfi_pairwise = one(bfi_a, keys),
  bfi_listwise = one(na.omit(bfi_a), keys),
  sim6_pairwise = one(sim6),
  sim6_listwise = one(na.omit(sim6)),
  constant_pairwise = one(constant)
)
out$versions <- list(R = R.version.string, psych = as.character(packageVersion("psych")))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "alpha.out.json")
