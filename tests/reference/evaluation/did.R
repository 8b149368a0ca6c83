# Reference numbers for colead.analysis.evaluation.difference_in_differences and site_kpi_did.
# lm(score ~ treated * post) on people present in both waves; CR1 cluster-robust covariance
# by site with sandwich::vcovCL(type = "HC1") (r-cran-sandwich 3.0-2), checked against the
# CR1 matrix formula; CI and p from t(G - 1) via lmtest::coeftest(df = G - 1).
# Run from this directory: Rscript did.R
library(jsonlite)
library(sandwich)
library(lmtest)

cr1 <- function(fit, cluster) {
  X <- model.matrix(fit); e <- residuals(fit); n <- nrow(X); k <- ncol(X)
  G <- length(unique(cluster))
  bread <- solve(crossprod(X))
  scores <- rowsum(X * e, cluster)
  G / (G - 1) * (n - 1) / (n - k) * bread %*% crossprod(scores) %*% bread
}

did <- function(d, cluster) {
  fit <- lm(y ~ treated * post, data = d)
  V <- vcovCL(fit, cluster = d[[cluster]], type = "HC1")
  G <- length(unique(d[[cluster]]))
  ct <- coeftest(fit, vcov. = V, df = G - 1)
  ci <- coefci(fit, vcov. = V, df = G - 1)
  people <- d[!duplicated(d$unit), ]
  change <- tapply(d$y[d$post == 1], d$unit[d$post == 1], sum) -
    tapply(d$y[d$post == 0], d$unit[d$post == 0], sum)
  tr <- tapply(people$treated, people$unit, sum)[names(change)]
  list(effect = unname(coef(fit)["treated:post"]), se = ct["treated:post", 2],
       se_matrix = sqrt(cr1(fit, d[[cluster]])["treated:post", "treated:post"]),
       ci_lo = ci["treated:post", 1], ci_hi = ci["treated:post", 2],
       p = ct["treated:post", 4], n_people = nrow(people), n_treated = sum(people$treated),
       n_control = sum(1 - people$treated), n_clusters = G,
       treated_change = mean(change[tr == 1]), control_change = mean(change[tr == 0]))
}

# Person-level: keep people with both waves.
p <- read.csv("did_input.csv")
both <- names(which(table(p$person_id) == 2))
p <- p[p$person_id %in% both, ]
p$y <- p$score; p$unit <- p$person_id

# Site KPI: mean per site of 2024-Q1..Q4 (pre) and 2025-Q2..Q4 (post); lower is better,
# so the KPI is negated; treated = share enrolled >= 0.2.
k <- read.csv("kpi_input.csv")
share <- read.csv("kpi_share_input.csv")
k$post <- ifelse(k$period %in% c("2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"), 0,
                 ifelse(k$period %in% c("2025-Q2", "2025-Q3", "2025-Q4"), 1, NA))
k <- k[!is.na(k$post), ]
s <- aggregate(value ~ site + post, data = k, FUN = mean)
s$y <- -s$value
s$treated <- as.integer(share$share[match(s$site, share$site)] >= 0.2)
s$unit <- s$site

out <- list(person = did(p, "site"), person_by_unit = did(p, "unit"), kpi = did(s, "site"))
write_json(out, "did.out.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
