# Group-effect variance by the unbalanced one-way ANOVA estimator and its F-based 95% CI
# (Searle, Casella & McCulloch 1992, section 3.5), on the committed icc_groups.csv.
# Run: Rscript site_variance.R > site_variance.out.csv
d <- read.csv("icc_groups.csv")
d <- d[!is.na(d$y), ]
fit <- summary(aov(y ~ as.factor(grp), data = d))[[1]]
msb <- fit[1, "Mean Sq"]; msw <- fit[2, "Mean Sq"]
df1 <- fit[1, "Df"]; df2 <- fit[2, "Df"]
n <- nrow(d); ni <- table(d$grp)
n0 <- (n - sum(ni^2) / n) / df1
f <- msb / msw
lower <- max(0, (f / qf(0.975, df1, df2) - 1) / n0 * msw)
upper <- max(0, (f / qf(0.025, df1, df2) - 1) / n0 * msw)
# cross-check: REML variance of the random intercept (equal to the ANOVA estimate only
# for balanced data; reported for information)
suppressMessages(library(lme4))
reml <- as.data.frame(VarCorr(lmer(y ~ 1 + (1 | grp), data = d, REML = TRUE)))$vcov[1]
out <- data.frame(between = (msb - msw) / n0, lower = lower, upper = upper, within = msw,
                  n0 = n0, reml_between = reml)
write.csv(format(out, digits = 15), row.names = FALSE)
