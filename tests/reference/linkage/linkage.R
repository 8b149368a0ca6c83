# Reference correlations and mixed models for colead.analysis.linkage (R 4.2, lme4 1.1).
#   cd tests/reference/linkage && Rscript linkage.R
# Reads correlation_input.csv and mixed_input.csv (written by make_data.py) and
# sleepstudy.csv (lme4's data set, exported here once);
# writes correlation.out.csv and mixed.out.csv.
#
# correlation.out.csv, per dataset:
#   cor.test(x, y)                                   r, t, p, conf.int (Fisher z)
#   cor.test(x, y, method = "spearman")              rho, S, p (AS 89 without ties for
#                                                    n <= 1290, else t approximation)
#   the Bonett & Wright (2000) Spearman CI           tanh(atanh(rho) -/+ qnorm(.975) *
#                                                    sqrt((1 + rho^2 / 2) / (n - 3)))
# mixed.out.csv, per dataset:
#   lmer(value ~ leadership + (1 | site), REML = TRUE), rows with NA dropped (na.omit):
#   fixef, sqrt(diag(vcov)), confint(method = "Wald"), VarCorr, REML logLik, and the
#   one-way ANOVA estimate (MSB - MSW) / n0 on resid(lm(value ~ leadership)).
suppressMessages(library(lme4))

d <- read.csv("correlation_input.csv")
cor_out <- do.call(rbind, lapply(unique(d$dataset), function(k) {
  s <- d[d$dataset == k, ]
  n <- nrow(s)
  pe <- cor.test(s$x, s$y)
  sp <- suppressWarnings(cor.test(s$x, s$y, method = "spearman"))
  rho <- unname(sp$estimate)
  half <- qnorm(0.975) * sqrt((1 + rho^2 / 2) / (n - 3))
  data.frame(dataset = k, n = n,
             ties = length(unique(s$x)) < n || length(unique(s$y)) < n,
             pearson_r = unname(pe$estimate), pearson_t = unname(pe$statistic),
             pearson_p = pe$p.value,
             pearson_lo = pe$conf.int[1], pearson_hi = pe$conf.int[2],
             spearman_rho = rho, spearman_S = unname(sp$statistic),
             spearman_p = sp$p.value,
             spearman_lo = tanh(atanh(rho) - half), spearman_hi = tanh(atanh(rho) + half))
}))
write.csv(format(cor_out, digits = 15, trim = TRUE), "correlation.out.csv",
          row.names = FALSE, quote = FALSE)

# lme4's sleepstudy (Belenky et al. 2003), exported once, as a published check: Bates,
# Maechler, Bolker & Walker (2015, JSS 67(1)) and lme4's documentation fit it.
if (!file.exists("sleepstudy.csv")) {
  write.csv(sleepstudy[, c("Reaction", "Days", "Subject")], "sleepstudy.csv", row.names = FALSE)
}
sl <- read.csv("sleepstudy.csv")
m <- read.csv("mixed_input.csv")
m <- rbind(m, data.frame(dataset = "sleepstudy", site = as.character(sl$Subject),
                         period = as.character(sl$Days), leadership = sl$Days,
                         value = sl$Reaction))
ctrl <- lmerControl(optimizer = "bobyqa",
                    optCtrl = list(rhobeg = 2e-4, rhoend = 1e-12, maxfun = 1e5))
mix_out <- do.call(rbind, lapply(unique(m$dataset), function(k) {
  s <- na.omit(m[m$dataset == k, c("site", "leadership", "value")])
  fit <- lmer(value ~ leadership + (1 | site), data = s, REML = TRUE, control = ctrl)
  vc <- as.data.frame(VarCorr(fit))
  ci <- confint(fit, parm = "leadership", method = "Wald")
  res <- resid(lm(value ~ leadership, data = s))
  tab <- summary(aov(res ~ factor(s$site)))[[1]]
  nj <- table(s$site); N <- nrow(s); kk <- length(nj)
  n0 <- (N - sum(nj^2) / N) / (kk - 1)
  data.frame(dataset = k, n_obs = N, n_sites = kk,
             intercept = fixef(fit)[[1]], slope = fixef(fit)[[2]],
             slope_se = sqrt(diag(vcov(fit)))[2],
             slope_lo = ci[1, 1], slope_hi = ci[1, 2],
             site_variance = vc$vcov[vc$grp == "site"],
             residual_variance = vc$vcov[vc$grp == "Residual"],
             reml_loglik = as.numeric(logLik(fit)), singular = isSingular(fit),
             anova_site_variance = (tab[1, "Mean Sq"] - tab[2, "Mean Sq"]) / n0,
             anova_p = tab[1, "Pr(>F)"])
}))
write.csv(format(mix_out, digits = 15, trim = TRUE), "mixed.out.csv",
          row.names = FALSE, quote = FALSE)
