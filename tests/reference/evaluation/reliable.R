# Reference numbers for colead.analysis.evaluation.reliable_change (Jacobson & Truax 1991):
# SE = sd(pre) * sqrt(1 - rxx), Sdiff = sqrt(2) * SE, RCI = (post - pre) / Sdiff.
# Run from this directory: Rscript reliable.R
library(jsonlite)

d <- read.csv("reliable_input.csv")
classify <- function(rci, crit) ifelse(rci > crit, "improved",
                                       ifelse(rci < -crit, "deteriorated", "unchanged"))
one <- function(rxx, sd_base, crit) {
  se <- sd_base * sqrt(1 - rxx)
  sdiff <- sqrt(2 * se^2)
  rci <- (d$post - d$pre) / sdiff
  cat <- classify(rci, crit)
  list(rxx = rxx, criterion = crit, sd_baseline = sd_base, se = se, sdiff = sdiff,
       improved = sum(cat == "improved"), unchanged = sum(cat == "unchanged"),
       deteriorated = sum(cat == "deteriorated"), rci = rci, category = cat)
}
out <- list(
  default = one(0.85, sd(d$pre), 1.96),
  given_sd = one(0.7, 0.62, 1.645)
)
write_json(out, "reliable.out.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
