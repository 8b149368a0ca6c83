# Reference ICC(1), ICC(2) for aggregation (Bliese 2000) from multilevel 2.7.
#   cd tests/reference/agreement && Rscript icc_aggregation.R
# Reads icc_groups.csv and bh1996.csv (multilevel's own data set, exported here once),
# writes icc_aggregation.out.json.
suppressMessages(library(multilevel))
if (!file.exists("bh1996.csv")) {
  data(bh1996)
  write.csv(bh1996[, c("GRP", "HRS", "WBEING")], "bh1996.csv", row.names = FALSE)
}
one <- function(y, g) {
  mod <- aov(y ~ as.factor(g))
  tab <- summary(mod)[[1]]
  list(icc1 = ICC1(mod), icc2 = ICC2(mod), f = tab[1, "F value"],
       df1 = tab[1, "Df"], df2 = tab[2, "Df"], p = tab[1, "Pr(>F)"],
       msb = tab[1, "Mean Sq"], msw = tab[2, "Mean Sq"],
       n = sum(!is.na(y)), groups = length(unique(g[!is.na(y)])))
}
x <- read.csv("icc_groups.csv")
bh <- read.csv("bh1996.csv")
res <- list(
  y = one(x$y, x$grp),
  y_neg = one(x$y_neg, x$grp),
  bh1996_HRS = one(bh$HRS, bh$GRP),
  bh1996_WBEING = one(bh$WBEING, bh$GRP)
)
writeLines(jsonlite::toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "icc_aggregation.out.json")
