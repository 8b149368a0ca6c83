# Reference percentile ranks and norms for colead.analysis.benchmark (R 4.2, base stats).
#   cd tests/reference/benchmark && Rscript benchmark.R
# Reads norm_scores.csv, norm_points.csv, rank_scores.csv (written by make_data.py);
# writes norms.out.csv and ranks.out.csv.
#
# norms.out.csv: per scale n, mean(x), sd(x) and quantile(x, probs, type = 7) (R's default).
# ranks.out.csv: per (norm, score), in the rows of rank_scores.csv
#   approx    approx(value, percentile, xout = score, ties = mean, rule = 2)
#             (inside the points: the interpolation; outside: clamped to the end point)
#   tail      the scaled normal tail outside the points, from pnorm:
#             below: p_lo * pnorm(z) / pnorm(z_lo); above: 100 - (100 - p_hi) *
#             pnorm(z, lower = FALSE) / pnorm(z_hi, lower = FALSE)   (NA inside)
#   normal    100 * pnorm(score, mean, sd)
probs <- c(5, 10, 25, 50, 75, 90, 95)

sc <- read.csv("norm_scores.csv")
norms <- do.call(rbind, lapply(setdiff(names(sc), "id"), function(s) {
  x <- sc[[s]]
  x <- x[!is.na(x)]
  q <- quantile(x, probs / 100, type = 7, names = FALSE)
  out <- data.frame(scale = s, n = length(x), mean = mean(x), sd = sd(x))
  for (k in seq_along(probs)) out[[paste0("p", probs[k])]] <- q[k]
  out
}))
write.csv(format(norms, digits = 15, trim = TRUE), "norms.out.csv", row.names = FALSE, quote = FALSE)

pts <- read.csv("norm_points.csv")
rs <- read.csv("rank_scores.csv")
rs$row <- seq_len(nrow(rs))  # 1-based row of rank_scores.csv
out <- do.call(rbind, lapply(split(rs, rs$norm_id), function(d) {
  p <- pts[pts$norm_id == d$norm_id[1], ]
  a <- suppressWarnings(approx(p$value, p$percentile, xout = d$score, ties = mean, rule = 2))$y
  # the collapsed end points, as approx(ties = mean) sees them
  ends <- aggregate(percentile ~ value, data = p, FUN = mean)
  x_lo <- min(ends$value); x_hi <- max(ends$value)
  p_lo <- ends$percentile[which.min(ends$value)]; p_hi <- ends$percentile[which.max(ends$value)]
  m <- p$mean[1]; s <- p$sd[1]
  z <- (d$score - m) / s
  tail <- ifelse(d$score < x_lo, p_lo * pnorm(z) / pnorm((x_lo - m) / s),
          ifelse(d$score > x_hi,
                 100 - (100 - p_hi) * pnorm(z, lower.tail = FALSE) /
                   pnorm((x_hi - m) / s, lower.tail = FALSE),
                 NA))
  data.frame(row = d$row, norm_id = d$norm_id, score = d$score, approx = a, tail = tail,
             normal = 100 * pnorm(d$score, m, s))
}))
out <- out[order(out$row), ]
write.csv(format(out, digits = 15, trim = TRUE), "ranks.out.csv", row.names = FALSE, quote = FALSE)
