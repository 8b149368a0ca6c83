# Reference Shrout & Fleiss (1979) ICCs from psych 2.2.9.
#   cd tests/reference/agreement && Rscript shrout_fleiss.R
# Reads sf_table2.csv (Shrout & Fleiss 1979, Table 2) and sf_sim.csv, writes
# shrout_fleiss.out.csv. lmer = FALSE is the ANOVA (closed-form) path; lmer = TRUE (the
# psych default, REML variance components) is kept for the simulated data as a second check.
suppressMessages(library(psych))
out <- list()
run <- function(file, lmer) {
  x <- read.csv(file)
  r <- ICC(x, lmer = lmer)$results
  data.frame(data = sub(".csv", "", file, fixed = TRUE), lmer = lmer, type = r$type,
             ICC = format(r$ICC, digits = 15), F = format(r$F, digits = 15),
             df1 = r$df1, df2 = r$df2, p = format(r$p, digits = 15),
             lower = format(r[["lower bound"]], digits = 15),
             upper = format(r[["upper bound"]], digits = 15))
}
res <- rbind(run("sf_table2.csv", FALSE), run("sf_sim.csv", FALSE), run("sf_sim.csv", TRUE))
write.csv(res, "shrout_fleiss.out.csv", row.names = FALSE)
