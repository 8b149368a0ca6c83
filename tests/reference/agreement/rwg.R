# Reference rwg and rwg(j) from multilevel 2.7 (James, Demaree & Wolf 1984).
#   cd tests/reference/agreement && Rscript rwg.R
# Reads rwg5.csv / rwg7.csv, writes rwg.out.csv.
# multilevel::rwg / rwg.j truncate an observed variance above ranvar to ranvar (value 0);
# ranvar is each null variance of LeBreton & Senter (2008), Table 2.
suppressMessages(library(multilevel))
nulls <- list(
  "5" = c(uniform = 2.00, slight = 1.34, moderate = 0.90, heavy = 0.44,
          triangular = 1.32, normal = 1.04),
  "7" = c(uniform = 4.00, slight = 2.90, moderate = 2.14, heavy = 1.39,
          triangular = 2.10, normal = 1.40)
)
out <- list()
for (options in c("5", "7")) {
  x <- read.csv(paste0("rwg", options, ".csv"))
  items <- grep("^i", names(x), value = TRUE)
  for (null in names(nulls[[options]])) {
    ranvar <- nulls[[options]][[null]]
    r1 <- rwg(x$i1, x$grp, ranvar = ranvar)
    out[[length(out) + 1]] <- data.frame(
      options = as.integer(options), null = null, ranvar = ranvar, stat = "rwg",
      grp = r1$grpid, value = r1$rwg, gsize = r1$gsize)
    rj <- rwg.j(x[, items], x$grp, ranvar = ranvar)
    out[[length(out) + 1]] <- data.frame(
      options = as.integer(options), null = null, ranvar = ranvar, stat = "rwg.j",
      grp = rj$grpid, value = rj$rwg.j, gsize = rj$gsize)
  }
}
res <- do.call(rbind, out)
# write.csv keeps 15 significant digits and writes NA for groups of one.
write.csv(res, "rwg.out.csv", row.names = FALSE)
